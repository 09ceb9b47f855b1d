/* test_store_backup: store_backup (madoguchi backup FILE) on a migrated SQLite database: a
 * complete, checked copy of mode 0600 that opens as a store at the same schema version, with no
 * FILE.tmp left; an existing FILE refused and left as it was; a FILE.tmp left by an earlier run
 * replaced; a FILE in a missing directory refused with nothing written. The copy taken while
 * residents submit is tests/integration/backup_restore.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/store.h"
#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NOW 1775000000LL
#include "store_fixture.h"

static void copy_path(const struct fixture *f, const char *name, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%s", f->dir, name);
}

static void test_backup_copy(void **state)
{
	struct fixture *f = *state;
	char dest[160], tmp[170], err[256];
	store_backup_info info;
	struct stat st;
	unsigned v0 = 0, v1 = 0;
	store *copy = NULL;

	new_account(f->s, "backup@example.jp");
	copy_path(f, "copy.db", dest, sizeof(dest));
	assert_int_equal(store_backup(f->s, dest, &info, err, sizeof(err)), STORE_OK);
	assert_string_equal(info.integrity, "ok");
	assert_true(info.pages > 0);
	assert_int_equal(stat(dest, &st), 0);
	assert_int_equal(info.bytes, (long long)st.st_size);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(info.applications, 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", dest);
	assert_int_equal(access(tmp, F_OK), -1);

	assert_int_equal(store_open(dest, &copy, err, sizeof(err)), STORE_OK);
	assert_int_equal(store_schema_version(f->s, &v0), STORE_OK);
	assert_int_equal(store_schema_version(copy, &v1), STORE_OK);
	assert_int_equal(v1, v0);
	store_account acct;
	assert_int_equal(store_account_by_email(copy, "backup@example.jp", &acct), STORE_OK);
	store_close(copy);
	remove_db_files(dest);
}

static void test_backup_refuses_existing(void **state)
{
	struct fixture *f = *state;
	char dest[160], err[256], *data = NULL;
	size_t len = 0;
	store_backup_info info;

	copy_path(f, "taken.db", dest, sizeof(dest));
	assert_int_equal(file_write_atomic(dest, "keep", 4, 0600), 0);
	assert_int_equal(store_backup(f->s, dest, &info, err, sizeof(err)), STORE_ECONFLICT);
	assert_non_null(strstr(err, "already exists"));
	assert_int_equal(file_read_all(dest, 100, &data, &len, NULL), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(data, "keep", 4);
	free(data);
	unlink(dest);
}

static void test_backup_replaces_leftover_tmp(void **state)
{
	struct fixture *f = *state;
	char dest[160], tmp[170], err[256];
	store_backup_info info;

	copy_path(f, "again.db", dest, sizeof(dest));
	snprintf(tmp, sizeof(tmp), "%s.tmp", dest);
	assert_int_equal(file_write_atomic(tmp, "half a copy", 11, 0600), 0);
	assert_int_equal(store_backup(f->s, dest, &info, err, sizeof(err)), STORE_OK);
	assert_string_equal(info.integrity, "ok");
	assert_int_equal(access(tmp, F_OK), -1);
	remove_db_files(dest);
}

static void test_backup_missing_dir(void **state)
{
	struct fixture *f = *state;
	char dest[160], err[256];
	store_backup_info info;

	copy_path(f, "no-such-dir/copy.db", dest, sizeof(dest));
	assert_int_not_equal(store_backup(f->s, dest, &info, err, sizeof(err)), STORE_OK);
	assert_true(err[0] != '\0');
	assert_int_equal(access(dest, F_OK), -1);
	assert_int_equal(store_backup(f->s, "", &info, err, sizeof(err)), STORE_EINPUT);
	assert_int_equal(store_backup(NULL, dest, &info, err, sizeof(err)), STORE_EINPUT);
}

static void test_file_sync(void **state)
{
	struct fixture *f = *state;
	char p[160];
	copy_path(f, "missing", p, sizeof(p));
	assert_int_equal(file_sync(p), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(file_sync(f->path), 0);
	assert_int_equal(file_sync_dir_of(f->path), 0);
	assert_int_equal(file_sync_dir_of("relative-name"), 0); /* the current directory */
}

/* PostgreSQL has its own tools (pg_dump, pg_basebackup): the command says so and makes
 * nothing. */
static void test_backup_refused_on_pg(void **state)
{
	struct fixture *f = *state;
	store_backup_info info;
	char dest[160], err[256];
	snprintf(dest, sizeof(dest), "%s/copy.db", f->dir);
	assert_int_equal(store_backup(f->s, dest, &info, err, sizeof(err)), STORE_EURL);
	assert_int_equal(access(dest, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest on_pg[] = {
	    cmocka_unit_test_setup_teardown(test_backup_refused_on_pg, setup, teardown),
	};
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_backup_copy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backup_refuses_existing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backup_replaces_leftover_tmp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backup_missing_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_sync, setup, teardown),
	};
	if (fixture_on_pg())
		return cmocka_run_group_tests(on_pg, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
