INSERT INTO casbin_rule (ptype, v0, v1, v2, v3, v4, v5, v6, v7) VALUES ('p', 'retail_user', 'takuso', NULL, 'open', 'allow', '*', '*', '*');
