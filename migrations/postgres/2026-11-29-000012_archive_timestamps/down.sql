DROP TABLE archive_timestamps;
