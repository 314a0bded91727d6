UPDATE casbin_rule SET v2 = 'me' || char(10) || 'nu' WHERE id = 2;
