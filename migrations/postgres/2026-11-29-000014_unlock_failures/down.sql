DROP TABLE unlock_failures;
