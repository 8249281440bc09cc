DROP TABLE crl_state;
DROP TABLE certificates;
