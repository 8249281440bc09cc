DROP TABLE document_numbers;
DROP TABLE number_counters;
