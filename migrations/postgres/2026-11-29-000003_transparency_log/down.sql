DROP TABLE log_state;
DROP TABLE log_tiles;
DROP TABLE log_leaves;
