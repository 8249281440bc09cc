DROP TABLE dispositions;
DROP TABLE delegations;
DROP TABLE approvals;
ALTER TABLE services DROP COLUMN numbering_json;
ALTER TABLE users DROP COLUMN supervisor_id;
