/* Unit tests of util/file: bounded whole-file reads and atomic writes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/madoguchi-test-file.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int entries(void)
{
	int n = 0;
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_write_read(void **state)
{
	char path[128], *data = NULL;
	size_t len = 0;
	struct stat st;
	snprintf(path, sizeof(path), "%s/a.txt", dir);
	assert_int_equal(file_write_atomic(path, "みどり\0市", 13, 0640), 0);
	assert_int_equal(file_read_all(path, 13, &data, &len, &st), 0);
	assert_int_equal(len, 13);
	assert_memory_equal(data, "みどり\0市", 13);
	assert_int_equal(data[13], '\0');
	assert_int_equal(st.st_mode & 07777, 0640);
	free(data);
	/* one byte over the bound: refused, nothing allocated */
	data = NULL;
	assert_int_equal(file_read_all(path, 12, &data, &len, NULL), -1);
	assert_int_equal(errno, EFBIG);
	assert_null(data);
	/* replaced whole; no temporary file left */
	assert_int_equal(file_write_atomic(path, "", 0, 0600), 0);
	assert_int_equal(file_read_all(path, 10, &data, &len, NULL), 0);
	assert_int_equal(len, 0);
	free(data);
	assert_int_equal(entries(), 1);
}

static void test_refusals(void **state)
{
	char path[128], link[128], *data = NULL;
	size_t len;
	assert_int_equal(file_read_all(dir, 100, &data, &len, NULL), -1);
	assert_int_equal(errno, EINVAL); /* a directory */
	snprintf(path, sizeof(path), "%s/none/x", dir);
	assert_int_equal(file_write_atomic(path, "x", 1, 0600), -1);
	assert_int_equal(errno, ENOENT);
	/* a link at the target is replaced, not followed */
	snprintf(path, sizeof(path), "%s/victim", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(file_write_atomic(path, "keep", 4, 0600), 0);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(file_write_atomic(link, "new", 3, 0600), 0);
	assert_int_equal(file_read_all(path, 10, &data, &len, NULL), 0);
	assert_string_equal(data, "keep");
	free(data);
	struct stat st;
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_write_read, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
