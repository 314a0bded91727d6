UPDATE casbin_rule SET v6 = x'41' WHERE id = 3;
