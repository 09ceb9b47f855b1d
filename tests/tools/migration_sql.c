/* migration_sql DIALECT: prints the SQL of every embedded migration for DIALECT ("sqlite" or
 * "postgres") as the portal's migrate runs it (store_migration_sql, the one splitter of the
 * "-- sqlite:" / "-- postgres:" / "-- common:" blocks), each after a comment naming it, and
 * first the bookkeeping table that migrate makes before them. tests/integration/pg_migrations.sh
 * feeds the postgres SQL to a real PostgreSQL server. Test-only: never installed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/migrations.h"
#include "store/store.h"
#include "store/store_impl.h"

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgres") != 0)) {
		fprintf(stderr, "usage: migration_sql sqlite|postgres\n");
		return 2;
	}
	printf("-- bookkeeping\n%s;\n", store_schema_migrations_ddl);
	for (unsigned i = 0; i < store_n_migrations; i++) {
		const struct migration *m = &store_migrations[i];
		char *sql = NULL;
		if (store_migration_sql(m->sql, argv[1], &sql) != STORE_OK || !sql) {
			fprintf(stderr, "migration %s: cannot split\n", m->name);
			return 1;
		}
		printf("-- migration %s\n%s\n", m->name, sql);
		free(sql);
	}
	return 0;
}
