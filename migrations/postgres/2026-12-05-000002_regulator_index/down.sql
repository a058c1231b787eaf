DROP INDEX users_role_region_idx;
