DROP TABLE webhook_deliveries;
DROP TABLE api_idempotency;
DROP TABLE api_keys;
DROP TABLE api_applications;
