/* proc_fixture: a small procedure for the tests of core/application.c (app_content_build)
 * and core/submit.c: a required name, a number with a computed amount from it, and a
 * required photo. Include after cmocka.h. */
#ifndef MADOGUCHI_TEST_PROC_FIXTURE_H
#define MADOGUCHI_TEST_PROC_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/procedure.h"

static const char proc_fixture_json[] =
    "{\"id\": \"t-proc\", \"version\": 3, \"title\": \"テスト手続\", \"category\": \"テスト\","
    " \"summary\": \"テストの手続です。\", \"description\": \"説明です。\","
    " \"eligibility\": \"どなたでも\", \"prepare\": [\"写真\"], \"duration\": \"5分\","
    " \"login_required\": true, \"signature_required\": %s,"
    " \"department\": {\"name\": \"総務課\"}, \"fields\": ["
    "{\"name\": \"name\", \"type\": \"text\", \"label\": \"氏名\", \"required\": true},"
    "{\"name\": \"count\", \"type\": \"number\", \"label\": \"スタンプの数\", \"min\": 0,"
    " \"max\": 100},"
    "{\"name\": \"total\", \"type\": \"computed\", \"label\": \"交付金の額\", \"source\":"
    " \"count\", \"table\": [{\"min\": 0, \"value\": 0}, {\"min\": 10, \"value\": 1000}],"
    " \"unit\": \"円\"},"
    "{\"name\": \"photo\", \"type\": \"file\", \"label\": \"写真\", \"required\": true,"
    " \"max_files\": 2, \"max_bytes\": 1000, \"accept\": [\"image/jpeg\"]}]}";

/* The fixture procedure, with or without the e-signature; proc_free it. */
static procedure *proc_fixture(int signature_required)
{
	char json[sizeof(proc_fixture_json) + 8], err[512] = "";
	procedure *p = NULL;
	snprintf(json, sizeof(json), proc_fixture_json, signature_required ? "true" : "false");
	if (proc_parse("t-proc.json", json, strlen(json), &p, err, sizeof(err)) != PROC_OK)
		fail_msg("fixture procedure does not parse: %s", err);
	return p;
}

#endif
