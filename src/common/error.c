/* Error codes and diagnostics: see include/tripact/error.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tripact/error.h"

static const char *const names[TP_ERR_COUNT] = {
	[TP_OK] = "success",
	[TP_ENOMEM] = "out of memory",
	[TP_EINVAL] = "invalid argument",
	[TP_EPARSE] = "parse error",
	[TP_EVALIDATE] = "validation failed",
	[TP_ENOTFOUND] = "not found",
	[TP_ELIMIT] = "limit exceeded",
	[TP_EIO] = "input/output error",
	[TP_EDB] = "database error",
	[TP_EEXIST] = "already exists",
	[TP_EPERM] = "permission denied",
	[TP_EAUTH] = "authentication required",
	[TP_EOVERFLOW] = "arithmetic overflow",
	[TP_EUNSUPPORTED] = "not supported",
	[TP_ETIMEOUT] = "timed out",
	[TP_ECONFLICT] = "conflict",
};

const char *tp_strerror(enum tp_err err)
{
	if ((unsigned)err >= TP_ERR_COUNT || !names[err])
		return "unknown error";
	return names[err];
}

enum tp_err tp_diag_set(struct tp_diag *d, enum tp_err code, const char *fmt, ...)
{
	if (!d)
		return code;
	d->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof d->message, fmt, ap);
	va_end(ap);
	return code;
}

void tp_diag_path(struct tp_diag *d, const char *fmt, ...)
{
	if (!d)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->path, sizeof d->path, fmt, ap);
	va_end(ap);
}

void tp_diag_object(struct tp_diag *d, const char *id)
{
	if (!d)
		return;
	snprintf(d->object_id, sizeof d->object_id, "%s", id ? id : "");
}

void tp_diag_clear(struct tp_diag *d)
{
	if (d)
		memset(d, 0, sizeof *d);
}
