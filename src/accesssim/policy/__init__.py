"""The Casbin files and the decisions Casbin makes on them."""
