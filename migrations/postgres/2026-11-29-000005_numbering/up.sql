-- Nomor surat: official document numbers, per agency, per classification code and per year,
-- without gaps. A number is allocated inside the signing transaction: if signing fails, the
-- counter's increment is rolled back with it. Times are Unix seconds (UTC); `year` is the
-- signing time's calendar year in the agency's time zone (WIB).

-- The last sequence number given per (agency, classification, year); a missing row means none
-- yet (the next is 1).
CREATE TABLE number_counters (
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    classification TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_seq BIGINT NOT NULL,
    PRIMARY KEY (agency_id, classification, year)
);

-- The number each signed document received: at most one per document, each sequence number
-- once, and each rendered number once within its agency.
CREATE TABLE document_numbers (
    document_id BIGINT PRIMARY KEY REFERENCES documents(id),
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    classification TEXT NOT NULL,
    year INTEGER NOT NULL,
    seq BIGINT NOT NULL,
    number TEXT NOT NULL,
    allocated_at BIGINT NOT NULL,
    UNIQUE (agency_id, classification, year, seq),
    UNIQUE (number, agency_id)
);
