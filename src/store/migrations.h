/* migrations: the numbered schema migrations embedded from src/store/migrations/NNNN_name.sql.
 * A migration file may hold "-- sqlite:" and "-- postgres:" blocks for SQL that differs. */
#ifndef MADOGUCHI_MIGRATIONS_H
#define MADOGUCHI_MIGRATIONS_H

struct migration {
	unsigned number;
	const char *name;
	const char *sql;
};
extern const struct migration store_migrations[];
extern const unsigned store_n_migrations;

#endif
