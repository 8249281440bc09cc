-- A service's name in English, beside its description in English (empty: the Indonesian name
-- is shown). Service definitions (TOML, `sahih services import|export`) carry it as `name_en`.
ALTER TABLE services ADD COLUMN name_en TEXT NOT NULL DEFAULT '';
