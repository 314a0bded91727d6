UPDATE casbin_rule SET id = 0 WHERE id = 3;
