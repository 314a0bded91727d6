ALTER TABLE casbin_rule ADD COLUMN v8 TEXT; UPDATE casbin_rule SET v8 = 'extra' WHERE id = 7;
