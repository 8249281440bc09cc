ALTER TABLE services DROP COLUMN name_en;
