"""The search: what each person can reach, the walks to exposed fields, root causes."""
