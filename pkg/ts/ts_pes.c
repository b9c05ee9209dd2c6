/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PES reassembly: collects the payloads of one PID from a
 * payload_unit_start to the end of the PES (PES_packet_length reached, or
 * for unbounded video PES the next payload_unit_start, or the end of the
 * input), parses the PES header (start code, PTS/DTS) and hands the
 * elementary-stream bytes to ts_es.c.
 *
 * A PES that lost a packet (continuity gap), ended early, or outgrew
 * max_pes_bytes is dropped whole and counted; it is never passed on half.
 */
#include <string.h>

#include "ts_internal.h"

/* stream_ids whose PES carry no optional header (13818-1 table 2-21). */
static bool stream_id_has_no_header(uint8_t sid)
{
	return sid == 0xbc || sid == 0xbe || sid == 0xbf || sid == 0xf0 ||
	       sid == 0xf1 || sid == 0xf2 || sid == 0xf8 || sid == 0xff;
}

static int64_t read_ts(const uint8_t *p)
{
	return ((int64_t)(p[0] & 0x0e) << 29) | ((int64_t)p[1] << 22) |
	       ((int64_t)(p[2] & 0xfe) << 14) | ((int64_t)p[3] << 7) |
	       (p[4] >> 1);
}

static void count_dropped(struct spate_ts_demux *d, struct ts_pid *tp)
{
	d->st.pes_dropped++;
	tp->st.pes_dropped++;
}

void ts_pes_drop(struct spate_ts_demux *d, struct ts_pid *tp)
{
	if (tp->pes_active && tp->data.len > 0)
		count_dropped(d, tp);
	tp->pes_active = false;
	tp->data.len = 0;
	if (tp->es >= 0)
		d->es[tp->es].carry.len = 0; /* the ADTS chain is broken */
}

bool ts_pes_unbounded(const struct ts_pid *tp)
{
	const uint8_t *b = tp->data.data;

	return tp->pes_active && tp->data.len >= 6 && b[4] == 0 && b[5] == 0;
}

/*
 * The PES in tp->data is over (its PES_packet_length reached, or, when
 * unbounded, the next payload_unit_start or the end of the input).
 */
static void pes_complete(struct spate_ts_demux *d, struct ts_pid *tp)
{
	const uint8_t *b = tp->data.data;
	size_t len = tp->data.len, plen, hdr;
	int64_t pts = SPATE_PKG_NOPTS, dts = SPATE_PKG_NOPTS;

	tp->pes_active = false;
	tp->data.len = 0;
	if (len < 6)
		goto truncated;
	plen = ((size_t)b[4] << 8) | b[5];
	if (plen != 0) {
		if (len < 6 + plen)
			goto truncated;
		len = 6 + plen; /* what follows is stuffing */
	}
	if (stream_id_has_no_header(b[3])) {
		hdr = 6;
	} else {
		unsigned flags;

		if (len < 9 || (b[6] & 0xc0) != 0x80)
			goto bad_header;
		flags = b[7] >> 6;
		hdr = 9 + (size_t)b[8];
		if (hdr > len || flags == 1)
			goto bad_header;
		if (flags >= 2) {
			if (b[8] < (flags == 3 ? 10 : 5))
				goto bad_header;
			pts = read_ts(b + 9);
			dts = flags == 3 ? read_ts(b + 14) : pts;
		}
	}
	ts_es_payload(d, tp, &d->es[tp->es], b + hdr, len - hdr, pts, dts,
		      tp->pes_rai);
	return;
bad_header:
	d->st.pes_header_errors++;
	count_dropped(d, tp);
	return;
truncated:
	count_dropped(d, tp);
	d->es[tp->es].carry.len = 0;
}

void ts_pes_flush(struct spate_ts_demux *d, struct ts_pid *tp)
{
	if (tp->pes_active && tp->data.len > 0 && tp->es >= 0)
		pes_complete(d, tp);
	tp->pes_active = false;
	tp->data.len = 0;
}

void ts_pes_payload(struct spate_ts_demux *d, struct ts_pid *tp,
		    const uint8_t *p, size_t n, bool pusi, bool rai)
{
	struct ts_es *es = tp->es >= 0 ? &d->es[tp->es] : NULL;
	struct spate_buf *b = &tp->data;
	size_t before = b->len;

	if (es == NULL || es->framing == TS_FRAMING_NONE ||
	    (es->announced && es->index < 0))
		return; /* unsupported, or the caller did not want it */
	if (pusi) {
		if (tp->pes_active)
			pes_complete(d, tp);
		if (d->error != 0)
			return;
		tp->pes_active = true;
		tp->pes_rai = rai;
		before = 0;
		b->len = 0;
	} else if (!tp->pes_active) {
		return; /* waiting for the start of a PES */
	}
	if (b->len + n > d->cfg.max_pes_bytes) {
		d->st.pes_oversize++;
		tp->pes_active = false;
		b->len = 0;
		es->carry.len = 0;
		return;
	}
	spate_buf_put(b, p, n);
	if (b->error != 0) {
		/* Out of memory for this PES: drop it, try the next one. */
		spate_buf_reset(b);
		count_dropped(d, tp);
		tp->pes_active = false;
		return;
	}
	if (b->len < 6)
		return;
	if (before < 6 &&
	    (b->data[0] != 0 || b->data[1] != 0 || b->data[2] != 1)) {
		d->st.pes_header_errors++;
		count_dropped(d, tp);
		tp->pes_active = false;
		b->len = 0;
		return;
	}
	if ((b->data[4] | b->data[5]) != 0 &&
	    b->len >= 6 + (((size_t)b->data[4] << 8) | b->data[5]))
		pes_complete(d, tp); /* bounded: out without waiting */
}
