/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Program-specific information: reassembles PAT and PMT sections from
 * packet payloads (pointer_field, sections spanning packets, several
 * sections in one packet), checks their CRC32, and keeps the program and
 * stream tables: which PIDs are tracked, what each stream is, and when a
 * stream is announced or ended.
 *
 * It must not look at PES data; stream description from ADTS headers and
 * OpusHead building live in ts_es.c.
 */
#include <errno.h>
#include <string.h>

#include "ts_internal.h"

#define TS_TABLE_PAT 0x00
#define TS_TABLE_PMT 0x02

#define TS_DESC_REGISTRATION 0x05
#define TS_DESC_LANGUAGE     0x0a
#define TS_DESC_AC3	     0x6a
#define TS_DESC_EAC3	     0x7a
#define TS_DESC_DVB_SUBTITLE 0x59
#define TS_DESC_TELETEXT     0x56
#define TS_DESC_EXTENSION    0x7f
#define TS_DESC_EXT_OPUS     0x80

#define FOURCC(a, b, c, d)                               \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
	 ((uint32_t)(c) << 8) | (uint32_t)(d))

/*
 * MPEG-2 CRC32 (polynomial 0x04c11db7, initial all ones, no reflection, no
 * final xor); over a whole section including its CRC field it gives 0.
 * Bitwise: PSI is a few hundred bytes ten times a second, so a table
 * (and its initialisation) is not worth having.
 */
uint32_t ts_crc32(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		crc ^= (uint32_t)p[i] << 24;
		for (int b = 0; b < 8; b++)
			crc = (crc & 0x80000000u) ? (crc << 1) ^ 0x04c11db7u
						  : crc << 1;
	}
	return crc;
}

static struct ts_program *program_find(struct spate_ts_demux *d,
				       uint16_t number)
{
	for (unsigned i = 0; i < d->n_programs; i++)
		if (d->programs[i].number == number)
			return &d->programs[i];
	return NULL;
}

static bool pid_used_by_programs(const struct spate_ts_demux *d, uint16_t pid,
				 bool pmt)
{
	for (unsigned i = 0; i < d->n_programs; i++)
		if ((pmt ? d->programs[i].pmt_pid : d->programs[i].pcr_pid) ==
		    pid)
			return true;
	return false;
}

void ts_es_announce(struct spate_ts_demux *d, struct ts_es *es)
{
	if (es->announced || !es->described)
		return;
	es->announced = true;
	if (d->probe_done)
		d->st.streams_late++;
	if (es->info.unsupported != NULL) {
		d->st.streams_ignored++;
		es->index = -1;
		if (d->cfg.on_stream != NULL)
			(void)d->cfg.on_stream(d->cfg.ctx, &es->info);
		return;
	}
	es->index = d->cfg.on_stream != NULL
			    ? d->cfg.on_stream(d->cfg.ctx, &es->info)
			    : (int)(es - d->es);
	if (es->index < 0)
		d->st.streams_ignored++;
}

void ts_announce_all(struct spate_ts_demux *d)
{
	for (unsigned p = 0; p < d->n_programs; p++) {
		uint16_t number = d->programs[p].number;

		/* PMT order within a program: the first video leads. */
		for (unsigned pos = 0; pos < SPATE_TS_MAX_STREAMS; pos++)
			for (unsigned i = 0; i < SPATE_TS_MAX_STREAMS; i++)
				if (d->es[i].in_use &&
				    d->es[i].pmt_pos == pos &&
				    d->es[i].program_number == number)
					ts_es_announce(d, &d->es[i]);
	}
	d->probe_done = true;
}

bool ts_probe_complete(const struct spate_ts_demux *d)
{
	if (!d->have_pat || d->n_programs == 0)
		return false;
	for (unsigned i = 0; i < d->n_programs; i++)
		if (!d->programs[i].have_pmt)
			return false;
	for (unsigned i = 0; i < SPATE_TS_MAX_STREAMS; i++)
		if (d->es[i].in_use && !d->es[i].described)
			return false;
	return true;
}

/* The stream leaves: its last complete PES goes out, then on_stream_end. */
static void es_remove(struct spate_ts_demux *d, struct ts_es *es)
{
	struct ts_pid *tp = ts_pid_get(d, es->info.pid);

	if (tp != NULL && tp->es == (int)(es - d->es)) {
		ts_pes_flush(d, tp);
		ts_pid_untrack(d, es->info.pid, TS_ROLE_ES);
	}
	if (es->announced && es->index >= 0 && d->cfg.on_stream_end != NULL)
		d->cfg.on_stream_end(d->cfg.ctx, es->info.pid, es->index);
	es->in_use = false;
	es->carry.len = 0;
}

static void program_remove(struct spate_ts_demux *d, unsigned idx)
{
	struct ts_program *pr = &d->programs[idx];
	uint16_t pmt_pid = pr->pmt_pid, pcr_pid = pr->pcr_pid;

	for (unsigned i = 0; i < SPATE_TS_MAX_STREAMS; i++)
		if (d->es[i].in_use && d->es[i].program_number == pr->number)
			es_remove(d, &d->es[i]);
	memmove(pr, pr + 1, (d->n_programs - idx - 1) * sizeof(*pr));
	d->n_programs--;
	if (!pid_used_by_programs(d, pmt_pid, true))
		ts_pid_untrack(d, pmt_pid, TS_ROLE_PSI);
	if (pcr_pid != TS_PID_NULL && !pid_used_by_programs(d, pcr_pid, false))
		ts_pid_untrack(d, pcr_pid, TS_ROLE_PCR);
}

static bool program_selected(const struct spate_ts_demux *d, uint16_t number,
			     bool first)
{
	if (d->cfg.program_number != 0)
		return number == d->cfg.program_number;
	return !d->cfg.first_program_only || first;
}

static void parse_pat(struct spate_ts_demux *d, const uint8_t *s, size_t len)
{
	uint8_t version = (s[5] >> 1) & 0x1f;
	uint16_t numbers[SPATE_TS_MAX_PROGRAMS], pids[SPATE_TS_MAX_PROGRAMS];
	unsigned n = 0;
	bool first = true;

	if (d->have_pat && version == d->pat_version)
		return;
	for (size_t off = 8; off + 4 <= len - 4; off += 4) {
		uint16_t number = (uint16_t)((s[off] << 8) | s[off + 1]);
		uint16_t pid =
			(uint16_t)(((s[off + 2] & 0x1f) << 8) | s[off + 3]);
		bool dup = false;

		if (number == 0)
			continue; /* network PID */
		if (!program_selected(d, number, first))
			continue;
		first = false;
		for (unsigned i = 0; i < n; i++)
			dup |= numbers[i] == number;
		if (dup || pid == 0 || pid == TS_PID_NULL ||
		    n == SPATE_TS_MAX_PROGRAMS) {
			d->st.psi_errors++;
			continue;
		}
		numbers[n] = number;
		pids[n++] = pid;
	}
	d->have_pat = true;
	d->pat_version = version;

	/* Programs gone, or moved to another PMT PID, leave first. */
	for (unsigned i = d->n_programs; i-- > 0;) {
		bool keep = false;

		for (unsigned k = 0; k < n; k++)
			keep |= numbers[k] == d->programs[i].number &&
				pids[k] == d->programs[i].pmt_pid;
		if (!keep)
			program_remove(d, i);
	}
	for (unsigned k = 0; k < n; k++) {
		struct ts_program *pr;
		struct ts_pid *tp;

		if (program_find(d, numbers[k]) != NULL)
			continue;
		tp = ts_pid_get(d, pids[k]);
		if (tp != NULL && (tp->roles & TS_ROLE_ES)) {
			d->st.psi_errors++; /* a PMT on a stream's PID */
			continue;
		}
		if (ts_pid_track(d, pids[k], TS_ROLE_PSI) == NULL)
			continue;
		pr = &d->programs[d->n_programs++];
		memset(pr, 0, sizeof(*pr));
		pr->number = numbers[k];
		pr->pmt_pid = pids[k];
		pr->pcr_pid = TS_PID_NULL;
		pr->last_pcr = -1;
	}
}

/* Looks for one descriptor; returns its body and length, or NULL. */
static const uint8_t *find_desc(const uint8_t *p, size_t n, uint8_t tag,
				size_t *len)
{
	size_t off = 0;

	while (off + 2 <= n) {
		size_t l = p[off + 1];

		if (off + 2 + l > n)
			return NULL;
		if (p[off] == tag) {
			*len = l;
			return p + off + 2;
		}
		off += 2 + l;
	}
	return NULL;
}

static uint32_t registration(const uint8_t *p, size_t n)
{
	size_t l;
	const uint8_t *r = find_desc(p, n, TS_DESC_REGISTRATION, &l);

	return r != NULL && l >= 4 ? FOURCC(r[0], r[1], r[2], r[3]) : 0;
}

/* Opus audio descriptor (an extension descriptor): channel config. */
static int opus_channel_config(const uint8_t *p, size_t n)
{
	size_t off = 0;

	while (off + 2 <= n) {
		size_t l = p[off + 1];

		if (off + 2 + l > n)
			break;
		if (p[off] == TS_DESC_EXTENSION && l >= 2 &&
		    p[off + 2] == TS_DESC_EXT_OPUS)
			return p[off + 3];
		off += 2 + l;
	}
	return -1;
}

static const char *private_kind(const uint8_t *p, size_t n)
{
	size_t l;

	if (find_desc(p, n, TS_DESC_AC3, &l) != NULL)
		return "AC-3";
	if (find_desc(p, n, TS_DESC_EAC3, &l) != NULL)
		return "E-AC-3";
	if (find_desc(p, n, TS_DESC_DVB_SUBTITLE, &l) != NULL)
		return "DVB subtitles";
	if (find_desc(p, n, TS_DESC_TELETEXT, &l) != NULL)
		return "teletext";
	return "private data";
}

/* stream_type and descriptors → codec, framing, or why not. */
static void es_classify(struct ts_es *es, uint8_t type, const uint8_t *desc,
			size_t desc_len, uint32_t prog_registration)
{
	struct spate_pkg_stream *s = &es->info.desc;
	uint32_t reg = registration(desc, desc_len);
	size_t l;
	const uint8_t *lang = find_desc(desc, desc_len, TS_DESC_LANGUAGE, &l);

	if (reg == 0)
		reg = prog_registration;
	s->tb_num = 1;
	s->tb_den = 90000;
	s->ts_wrap_bits = 33;
	if (lang != NULL && l >= 3) {
		for (int i = 0; i < 3; i++)
			es->language[i] = (char)(lang[i] | 0x20);
		es->language[3] = '\0';
		if (strspn(es->language, "abcdefghijklmnopqrstuvwxyz") == 3)
			s->language = es->language;
	}
	es->described = true;
	switch (type) {
	case 0x1b:
		s->type = SPATE_MEDIA_VIDEO;
		s->codec = SPATE_CODEC_H264;
		es->framing = TS_FRAMING_VIDEO;
		return;
	case 0x24:
		s->type = SPATE_MEDIA_VIDEO;
		s->codec = SPATE_CODEC_HEVC;
		es->framing = TS_FRAMING_VIDEO;
		return;
	case 0x0f:
		s->type = SPATE_MEDIA_AUDIO;
		s->codec = SPATE_CODEC_AAC;
		es->framing = TS_FRAMING_ADTS;
		es->described = false; /* needs its first ADTS header */
		return;
	case 0x06:
		if (reg == FOURCC('O', 'p', 'u', 's')) {
			s->type = SPATE_MEDIA_AUDIO;
			s->codec = SPATE_CODEC_OPUS;
			es->framing = TS_FRAMING_OPUS;
			ts_es_describe_opus(
				es, opus_channel_config(desc, desc_len));
			if (es->info.unsupported != NULL)
				es->framing = TS_FRAMING_NONE;
			return;
		}
		if (reg == FOURCC('A', 'V', '0', '1')) {
			s->type = SPATE_MEDIA_VIDEO;
			s->codec = SPATE_CODEC_AV1;
			es->framing = TS_FRAMING_VIDEO;
			return;
		}
		es->info.unsupported = private_kind(desc, desc_len);
		return;
	case 0x11:
		es->info.unsupported = "AAC LATM";
		return;
	case 0x03:
	case 0x04:
		es->info.unsupported = "MPEG audio";
		return;
	case 0x01:
	case 0x02:
		es->info.unsupported = "MPEG-1/2 video";
		return;
	case 0x81:
		es->info.unsupported = "AC-3";
		return;
	case 0x87:
		es->info.unsupported = "E-AC-3";
		return;
	case 0x86:
		es->info.unsupported = "SCTE-35 splice information";
		return;
	case 0x15:
		es->info.unsupported = "timed metadata";
		return;
	default:
		es->info.unsupported = "unknown stream type";
		return;
	}
}

static void es_add(struct spate_ts_demux *d, struct ts_program *pr,
		   uint8_t type, uint16_t pid, const uint8_t *desc,
		   size_t desc_len, unsigned pos)
{
	struct ts_es *es = NULL;
	struct ts_pid *tp = ts_pid_get(d, pid);
	int idx = -1;

	if (tp != NULL && (tp->roles & (TS_ROLE_ES | TS_ROLE_PSI))) {
		d->st.psi_errors++; /* PID already a stream or a table */
		return;
	}
	for (int i = 0; i < SPATE_TS_MAX_STREAMS && idx < 0; i++)
		if (!d->es[i].in_use)
			idx = i;
	if (idx < 0) {
		d->st.streams_ignored++;
		return;
	}
	tp = ts_pid_track(d, pid, TS_ROLE_ES);
	if (tp == NULL) {
		d->st.streams_ignored++;
		return;
	}
	es = &d->es[idx];
	{
		struct spate_buf keep = es->carry;

		memset(es, 0, sizeof(*es));
		es->carry = keep;
		es->carry.len = 0;
	}
	es->in_use = true;
	es->index = -1;
	es->program_number = pr->number;
	es->pmt_pos = pos;
	es->next_pts = SPATE_PKG_NOPTS;
	es->info.pid = pid;
	es->info.program_number = pr->number;
	es->info.stream_type = type;
	tp->es = idx;
	es_classify(es, type, desc, desc_len, pr->registration);
	if (!d->probing)
		ts_es_announce(d, es);
}

struct pmt_entry {
	uint8_t type;
	uint16_t pid;
	const uint8_t *desc;
	size_t desc_len;
};

static void parse_pmt(struct spate_ts_demux *d, struct ts_pid *tp,
		      const uint8_t *s, size_t len)
{
	uint16_t number = (uint16_t)((s[3] << 8) | s[4]);
	uint8_t version = (s[5] >> 1) & 0x1f;
	struct ts_program *pr = program_find(d, number);
	struct pmt_entry e[SPATE_TS_MAX_STREAMS];
	unsigned n = 0;
	size_t end = len - 4, off, info_len;
	uint16_t pcr_pid;

	if (pr == NULL || pr->pmt_pid != tp->pid)
		return; /* a program we do not take */
	if (pr->have_pmt && version == pr->pmt_version)
		return;
	if (len < 16) {
		d->st.psi_errors++;
		return;
	}
	pcr_pid = (uint16_t)(((s[8] & 0x1f) << 8) | s[9]);
	info_len = (size_t)((s[10] & 0x0f) << 8) | s[11];
	if (12 + info_len > end) {
		d->st.psi_errors++;
		return;
	}
	for (off = 12 + info_len; off + 5 <= end;) {
		size_t dl = (size_t)((s[off + 3] & 0x0f) << 8) | s[off + 4];

		if (off + 5 + dl > end) {
			d->st.psi_errors++;
			return;
		}
		if (n < SPATE_TS_MAX_STREAMS) {
			e[n].type = s[off];
			e[n].pid = (uint16_t)(((s[off + 1] & 0x1f) << 8) |
					      s[off + 2]);
			e[n].desc = s + off + 5;
			e[n].desc_len = dl;
			n++;
		}
		off += 5 + dl;
	}
	pr->have_pmt = true;
	pr->pmt_version = version;
	pr->registration = registration(s + 12, info_len);

	/* Streams that left, or changed type, end first. */
	for (unsigned i = 0; i < SPATE_TS_MAX_STREAMS; i++) {
		struct ts_es *es = &d->es[i];
		bool keep = false;

		if (!es->in_use || es->program_number != number)
			continue;
		for (unsigned k = 0; k < n; k++)
			keep |= e[k].pid == es->info.pid &&
				e[k].type == es->info.stream_type;
		if (!keep)
			es_remove(d, es);
	}
	for (unsigned k = 0; k < n; k++) {
		struct ts_pid *ep = ts_pid_get(d, e[k].pid);

		if (ep != NULL && ep->es >= 0 &&
		    d->es[ep->es].program_number == number) {
			d->es[ep->es].pmt_pos = k;
			continue;
		}
		if (e[k].pid == 0 || e[k].pid == TS_PID_NULL) {
			d->st.psi_errors++;
			continue;
		}
		es_add(d, pr, e[k].type, e[k].pid, e[k].desc, e[k].desc_len, k);
	}
	if (pcr_pid != pr->pcr_pid) {
		uint16_t old = pr->pcr_pid;

		pr->pcr_pid = pcr_pid;
		if (old != TS_PID_NULL && !pid_used_by_programs(d, old, false))
			ts_pid_untrack(d, old, TS_ROLE_PCR);
		if (pcr_pid != TS_PID_NULL)
			(void)ts_pid_track(d, pcr_pid, TS_ROLE_PCR);
	}
}

static void section_done(struct spate_ts_demux *d, struct ts_pid *tp)
{
	const uint8_t *s = tp->data.data;
	size_t len = tp->data.len;

	if (!(s[1] & 0x80) || len < 12) {
		d->st.psi_errors++;
		return;
	}
	if (ts_crc32(s, len) != 0) {
		d->st.psi_crc_errors++;
		return;
	}
	if (!(s[5] & 1))
		return; /* not yet applicable */
	d->probe_check = true;
	if (tp->pid == 0 && s[0] == TS_TABLE_PAT)
		parse_pat(d, s, len);
	else if (tp->pid != 0 && s[0] == TS_TABLE_PMT)
		parse_pmt(d, tp, s, len);
}

/*
 * Adds bytes to the section in progress; returns how many it took (up to
 * the end of that section).  A complete section is parsed and cleared.
 */
static size_t section_feed(struct spate_ts_demux *d, struct ts_pid *tp,
			   const uint8_t *p, size_t n)
{
	struct spate_buf *b = &tp->data;
	size_t used = 0;

	for (;;) {
		size_t need = 3, take;

		if (b->len >= 3) {
			need = 3 + (((size_t)(b->data[1] & 0x0f) << 8) |
				    b->data[2]);
			if (need < 12 || need > TS_SECTION_MAX) {
				d->st.psi_errors++;
				b->len = 0;
				return n; /* skip the rest of the payload */
			}
		}
		if (b->len == need && need > 3) {
			section_done(d, tp);
			b->len = 0;
			return used;
		}
		if (used == n)
			return used;
		take = need - b->len;
		if (take > n - used)
			take = n - used;
		spate_buf_put(b, p + used, take);
		if (b->error != 0) {
			spate_buf_reset(b);
			return n;
		}
		used += take;
	}
}

void ts_psi_payload(struct spate_ts_demux *d, struct ts_pid *tp,
		    const uint8_t *p, size_t n, bool pusi)
{
	if (!pusi) {
		if (tp->data.len > 0)
			(void)section_feed(d, tp, p, n);
		return;
	}
	if (n == 0 || (size_t)p[0] + 1 > n) {
		d->st.psi_errors++;
		tp->data.len = 0;
		return;
	}
	/* Bytes before pointer_field's target end the previous section. */
	if (tp->data.len > 0)
		(void)section_feed(d, tp, p + 1, p[0]);
	tp->data.len = 0;
	n -= 1 + (size_t)p[0];
	p += 1 + (size_t)p[0];
	while (n > 0 && p[0] != 0xff) { /* 0xff: stuffing to the end */
		size_t used = section_feed(d, tp, p, n);

		if (tp->data.len > 0 || used == 0)
			return; /* continues in the next packet */
		p += used;
		n -= used;
	}
}
