CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
INSERT INTO counters (name, n) SELECT 'secrets', COUNT(*) FROM secrets;
CREATE TRIGGER secrets_count_insert AFTER INSERT ON secrets
    BEGIN UPDATE counters SET n = n + 1 WHERE name = 'secrets'; END;
CREATE TRIGGER secrets_count_delete AFTER DELETE ON secrets
    BEGIN UPDATE counters SET n = n - 1 WHERE name = 'secrets'; END;
