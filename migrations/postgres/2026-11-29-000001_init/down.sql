DROP TABLE events;
DROP TABLE attachments;
DROP TABLE documents;
DROP TABLE services;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE agencies;
