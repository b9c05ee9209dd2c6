/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A packager output that writes objects as files under a directory.
 * Every file appears atomically (written to a temporary name, then
 * renamed), so a web server or a player reading the directory never sees a
 * half-written playlist or segment.
 */
#ifndef SPATE_PKG_OUTPUT_DIR_H
#define SPATE_PKG_OUTPUT_DIR_H

#include "packager.h"

struct spate_output_dir;

/* Creates the directory if needed.  0 or negative errno. */
int spate_output_dir_open(struct spate_output_dir **out, const char *path);
void spate_output_dir_close(struct spate_output_dir *d);

/* The ops to pass to spate_packager_create with the dir as context. */
extern const struct spate_output_ops spate_output_dir_ops;

#endif /* SPATE_PKG_OUTPUT_DIR_H */
