/* num: numbers read from text typed by a person or a program (command lines, queries). */
#ifndef MADOGUCHI_NUM_H
#define MADOGUCHI_NUM_H

/* The decimal integer that is the whole of s (strtol's form: leading blanks and a sign
 * allowed, nothing after it), when it lies in [min, max]: 0 with *out set, else -1 and *out
 * unchanged (also for NULL, "", overflow). */
int num_parse_long(const char *s, long min, long max, long *out);

#endif
