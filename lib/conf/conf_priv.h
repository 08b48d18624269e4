/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to lib/conf: the declarative schema and the generic walker that applies
 * it to a libyaml document tree.
 *
 * A schema is a table of key descriptors (name, type, field offset and size, range,
 * default, flags). conf_walk_map() walks one YAML mapping against one schema; it
 * alone reports unknown, duplicate, missing and ill-typed keys, so the per-section
 * code is limited to rules that tie several keys together (the `check` hooks).
 */
#ifndef LNS_CONF_PRIV_H
#define LNS_CONF_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <yaml.h>

#include "lns_conf.h"

struct conf_ctx;
struct key_desc;

/** What a key holds. */
enum key_type {
	KT_BOOL,         /**< bool */
	KT_UINT,         /**< unsigned integer of `size` bytes, min..max */
	KT_STR,          /**< char[size] */
	KT_PREFIX,       /**< struct lns_ipv4_prefix, "a.b.c.d/len" */
	KT_ADDR,         /**< uint32_t network order, "a.b.c.d" */
	KT_ENUM,         /**< one name of aux (struct enum_aux) into a uint of `size` bytes */
	KT_ENUMLIST,     /**< list of names into uint8_t[size], count at cnt_off (uint8_t) */
	KT_FLAGS,        /**< list of names, their bits or-ed into a uint32_t */
	KT_SECRET,       /**< struct lns_secret, inline */
	KT_SECRET_FILE,  /**< struct lns_secret, read from the named file */
	KT_NTHASH,       /**< uint8_t[16] from 32 hex digits */
	KT_NTHASH_FILE,  /**< the same, read from the named file */
	KT_HEX,          /**< hex string into uint8_t[size], length at cnt_off (uint8_t) */
	KT_SECTION,      /**< nested mapping; aux = struct schema, off = its struct */
	KT_LIST,         /**< list of mappings; aux = struct list_desc */
	KT_CUSTOM,       /**< parse/dump callbacks */
};

enum {
	F_REQUIRED    = 1u << 0,  /**< must be given (in a group: one member must be) */
	F_NEED_LEN    = 1u << 1,  /**< KT_PREFIX: "/len" is mandatory (else /32) */
	F_NETWORK     = 1u << 2,  /**< KT_PREFIX: host bits must be zero */
	F_POW2        = 1u << 3,  /**< KT_UINT: power of two */
	F_ZERO_OK     = 1u << 4,  /**< KT_UINT: 0 (off) is allowed besides min..max */
	F_SHORT_TIMER = 1u << 5,  /**< KT_UINT: min drops to 1 with limits.allow-short-timers */
	F_NODUMP      = 1u << 6,  /**< not printed by lns_conf_dump() */
	F_NONEMPTY    = 1u << 7,  /**< KT_STR: "" is an error */
	F_RESTART     = 1u << 8,  /**< reload leaves it as it runs ("needs a restart");
				   *   on a section or list: every key below it */
};

/** A name and its value, for KT_ENUM, KT_ENUMLIST and KT_FLAGS. */
struct enum_ent {
	const char *name;
	uint32_t    value;
};

struct enum_aux {
	const struct enum_ent *ent;
	uint8_t        n;
	const uint8_t *def;       /**< KT_ENUMLIST default list */
	uint8_t        n_def;
};

typedef int (*check_fn)(struct conf_ctx *ctx, void *obj, yaml_node_t *map, uint64_t seen);

/** The keys of one mapping. */
struct schema {
	const struct key_desc *keys;
	uint8_t n;
	const struct schema *incl;  /**< keys of another schema, also accepted here ... */
	size_t incl_off;            /**< ... filling the struct at this offset */
	check_fn check;             /**< cross-key rules, after every key was read */
};

/** A list of mappings. */
struct list_desc {
	const struct schema *item;
	size_t   elem_size;
	uint32_t max;
	size_t   cnt_off;     /**< the count field, in the parent struct */
	uint8_t  cnt_size;    /**< 2 or 4 bytes */
	bool     heap;        /**< the field at `off` is a pointer to a calloc'd array */
	int (*check)(struct conf_ctx *ctx, void *parent, yaml_node_t *seq);
};

struct key_desc {
	const char *name;
	enum key_type type;
	uint16_t flags;
	uint8_t  group;        /**< keys sharing a nonzero group exclude each other */
	bool     has_set;      /**< set_off names a bool set to true when the key is given */
	size_t   off;
	size_t   size;
	size_t   set_off;
	size_t   cnt_off;
	uint64_t min, max, def;
	const char *sdef;      /**< KT_STR default */
	const char *vtype;     /**< KT_CUSTOM: what the value is, for lns_conf_schema_print() */
	const void *aux;
	/** KT_CUSTOM: parses the value; other types: checks the value once stored */
	int  (*parse)(struct conf_ctx *ctx, const struct key_desc *d, yaml_node_t *v, void *obj);
	void (*dump)(FILE *out, const struct key_desc *d, const void *obj, int indent);
	void (*init)(const struct key_desc *d, void *obj);
	bool (*dump_skip)(const void *obj);
};

/** Parsing state of one file (the configuration, or a port profile it names). */
struct conf_ctx {
	const char *file;          /**< name used in messages */
	char        dir[LNS_CONF_PATH_MAX];   /**< relative paths start here */
	char       *err;
	size_t      errlen;
	bool        failed;
	yaml_document_t *doc;
	char        path[512];     /**< key path of the node at hand */
	size_t      pathlen;
	uint32_t    item;          /**< index of the innermost list item being read */
	struct lns_conf *conf;
	bool        short_timers;  /**< limits.allow-short-timers, looked up first */
	uint64_t    dp_seen[LNS_CONF_MAX_DEST_PROFILES];  /**< keys each profile gave */
};

/* conf_parse.c: the walker and its helpers */
int  conf_err(struct conf_ctx *ctx, const yaml_node_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int  conf_err_mark(struct conf_ctx *ctx, const yaml_mark_t *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int  conf_err_key(struct conf_ctx *ctx, yaml_node_t *map, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
size_t conf_path_push(struct conf_ctx *ctx, const char *key);
size_t conf_path_push_idx(struct conf_ctx *ctx, uint32_t i);
void conf_path_pop(struct conf_ctx *ctx, size_t len);
void conf_path_set(struct conf_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

yaml_node_t *conf_node(yaml_document_t *doc, int id);
yaml_node_t *conf_map_get(yaml_document_t *doc, yaml_node_t *map, const char *key);
yaml_node_t *conf_seq_get(yaml_document_t *doc, yaml_node_t *seq, uint32_t i);
const char *conf_node_kind(const yaml_node_t *n);
bool conf_is_null(const yaml_node_t *n);

int  conf_scalar(struct conf_ctx *ctx, yaml_node_t *v, const char *what, const char **s);
int  conf_parse_bool(const char *s, bool *b);
int  conf_parse_u64(const char *s, uint64_t *v);
int  conf_parse_addr(const char *s, uint32_t *addr);
int  conf_parse_prefix(const char *s, struct lns_ipv4_prefix *p, bool need_len);
uint32_t conf_mask(uint8_t len);
int  conf_get_str(struct conf_ctx *ctx, yaml_node_t *v, char *dst, size_t size, bool nonempty);
int  conf_get_addr(struct conf_ctx *ctx, yaml_node_t *v, uint32_t *addr);
int  conf_get_prefix(struct conf_ctx *ctx, yaml_node_t *v, struct lns_ipv4_prefix *p,
		     unsigned flags);
int  conf_read_all(const char *path, unsigned char **buf, size_t *len);
int  conf_read_file(struct conf_ctx *ctx, yaml_node_t *v, const char *what, char *buf,
		    size_t size, size_t *len);
void conf_resolve_path(const struct conf_ctx *ctx, const char *in, char *out, size_t size);
unsigned conf_edit_distance(const char *a, const char *b);

void conf_put_uint(void *p, size_t size, uint64_t v);
uint64_t conf_get_uint(const void *p, size_t size);

void conf_apply_defaults(const struct schema *s, void *obj);
int  conf_walk_map(struct conf_ctx *ctx, const struct schema *s, void *obj, yaml_node_t *map,
		   const yaml_mark_t *where);
int  conf_key_index(const struct schema *s, const char *name);
const struct key_desc *conf_key_at(const struct schema *s, unsigned idx, size_t *base);
const char *conf_enum_name(const struct enum_aux *a, uint32_t v);

int  conf_parse_text(struct conf_ctx *ctx, const unsigned char *text, size_t len,
		     const struct schema *s, void *obj);

/* conf_cert.c: ipsec.certificates (OpenSSL) */
int  conf_cert_path(struct conf_ctx *ctx, const struct key_desc *d, yaml_node_t *v, void *obj);
int  conf_cert_check(struct conf_ctx *ctx, yaml_node_t *map, struct lns_cert_conf *c);

/* conf_schema.c: the tables */
extern const struct schema conf_root_schema;
extern const struct schema conf_profile_schema;
extern const struct enum_aux conf_esp_alg_aux, conf_ike_alg_aux, conf_auth_aux;

/* conf_dump.c */
void conf_dump_map(FILE *out, const struct schema *s, const void *obj, int indent, bool item);
bool conf_put_scalar(FILE *out, const struct key_desc *d, const void *obj);

#endif /* LNS_CONF_PRIV_H */
