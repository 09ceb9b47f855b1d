/* procedure: the city's procedures, one JSON file each in procedures/, loaded and checked
 * at start-up. A wrong definition is refused with a message naming the file and the field.
 * No HTTP and no SQL here. */
#ifndef MADOGUCHI_PROCEDURE_H
#define MADOGUCHI_PROCEDURE_H

#include <jansson.h>
#include <stddef.h>

enum proc_err {
	PROC_OK = 0,
	PROC_EIO,    /* file or directory unreadable */
	PROC_EJSON,  /* not JSON */
	PROC_EFIELD, /* a field missing, of the wrong type or with a wrong value */
	PROC_EDUP,   /* two procedures with the same id */
	PROC_ENOMEM,
};
const char *proc_strerror(int err);

/* Prefix FT_, not PF_: <sys/socket.h> defines PF_FILE and friends as macros. */
typedef enum proc_field_type {
	FT_TEXT,
	FT_TEXTAREA,
	FT_NUMBER,
	FT_DATE,
	FT_SELECT,
	FT_RADIO,
	FT_CHECKBOX,
	FT_EMAIL,
	FT_PHONE,
	FT_POSTAL,
	FT_KATAKANA,
	FT_BANK,
	FT_FILE,
	FT_COMPUTED,
} proc_field_type;

typedef struct proc_option {
	char *value;
	char *label;
} proc_option;

/* One step of a computed value's table: inputs >= min (and below the next step's min)
 * give value. Steps are sorted by min ascending. */
typedef struct proc_step {
	long min;
	long value;
} proc_step;

/* The role of a field in the applicant's basic four ("basic4" of the definition: "name",
 * "kana", "birth_date", "address"), which the staff's evidence panel compares with the
 * signing certificate and the inbox searches by; each role at most once per procedure. */
typedef enum proc_basic4 { PB_NONE = 0, PB_NAME, PB_KANA, PB_BIRTH_DATE, PB_ADDRESS } proc_basic4;

typedef struct proc_field {
	char *name; /* [a-z][a-z0-9_]*, unique in the procedure */
	proc_field_type type;
	char *label;
	char *help; /* may be NULL */
	int required;
	size_t max_length; /* characters (code points); 0: the type's default */
	int has_min, has_max;
	long min, max;        /* number: value bounds; date: not used */
	int past;             /* date: today or before (a birth date) */
	proc_option *options; /* select, radio, checkbox */
	size_t n_options;
	/* file */
	size_t max_files;
	size_t max_bytes; /* per file */
	char **accept;    /* MIME types, e.g. "image/jpeg" */
	size_t n_accept;
	/* computed */
	char *source; /* name of the number field it is computed from */
	proc_step *steps;
	size_t n_steps;
	char *unit;         /* shown after the value, e.g. "円"; may be NULL */
	proc_basic4 basic4; /* PB_NONE unless the definition names a role */
} proc_field;

/* The longest 標準処理期間 a procedure may name (行政手続法 第6条: the days an application
 * normally takes from its arrival at the office to the decision). */
#define PROC_STANDARD_DAYS_MAX 3650

typedef struct procedure {
	char *file;  /* the file it came from (base name) */
	char *id;    /* [a-z0-9-]+, used in URLs */
	int version; /* >= 1; bumped by staff when the form changes */
	char *title;
	char *category;
	char *summary;
	char *description_html; /* rendered from the Markdown "description" with md4c */
	char *eligibility;      /* who may apply */
	char **prepare;         /* what to prepare, one item each */
	size_t n_prepare;
	char *duration; /* how long it takes, in words */
	int login_required;
	int signature_required; /* implies login_required */
	char *department;       /* name of the department to contact */
	char *contact_phone;    /* may be NULL */
	char *contact_email;    /* may be NULL */
	char *window_opens;     /* "YYYY-MM-DD" or NULL: the application window, inclusive */
	char *window_closes;    /* "YYYY-MM-DD" or NULL */
	int standard_days; /* 標準処理期間 in days (1..PROC_STANDARD_DAYS_MAX), 0: none */
	proc_field *fields;
	size_t n_fields;
	json_t *json; /* the whole definition as read (owned) */
} procedure;

typedef struct proc_catalog {
	procedure **items; /* sorted by category, then title */
	size_t n;
} proc_catalog;

/* Parse one definition. filename is used in messages only. On error returns non-zero and
 * writes "FILE: FIELD: what is wrong" into err (e.g. "volunteer.json: fields[3].type:
 * unknown type \"colour\""). The caller owns *out (proc_free). */
int proc_parse(const char *filename, const char *data, size_t len, procedure **out, char *err,
               size_t errlen);
void proc_free(procedure *p);

/* Load every *.json of dir. Any bad file fails the whole load with its message. */
int proc_catalog_load(const char *dir, proc_catalog **out, char *err, size_t errlen);
void proc_catalog_free(proc_catalog *c);
/* The SHA-256 (64 hex digits) of the catalog's ids and versions, in its order: two portal
 * processes serve the same procedures when their digests are equal. */
void proc_catalog_digest(const proc_catalog *c, char out[65]);
/* Borrowed pointer or NULL. */
const procedure *proc_catalog_find(const proc_catalog *c, const char *id);

/* Application window on a day "YYYY-MM-DD": -1 not yet open, 0 open, 1 closed. */
int proc_window_state(const procedure *p, const char *today);

/* A computed field's value for an input (the table lookup); 0 below the first step. */
long proc_compute(const proc_field *f, long input);
const proc_field *proc_find_field(const procedure *p, const char *name);
/* The field of the basic four role (not PB_NONE) or NULL when the procedure marks none. */
const proc_field *proc_basic4_field(const procedure *p, proc_basic4 role);

#endif
