/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transport packets: turns a byte stream of any chunking into 188-byte
 * packets (sync lock and resynchronisation), parses the packet header and
 * adaptation field, keeps continuity counters, and routes payloads to the
 * PSI (ts_psi.c) or PES (ts_pes.c) reassembly of the PID.  Also owns the
 * start-up probe and its replay, the PID table, and the public lifecycle.
 *
 * It must not interpret PSI or PES contents.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ts_internal.h"

/* The probe looks at its buffer after every slice of this size. */
#define TS_PROBE_SLICE 65536

void spate_ts_config_defaults(struct spate_ts_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_pes_bytes = SPATE_TS_DEFAULT_MAX_PES_BYTES;
	cfg->probe_max_bytes = SPATE_TS_DEFAULT_PROBE_MAX_BYTES;
	cfg->sync_lock_packets = SPATE_TS_DEFAULT_SYNC_LOCK_PACKETS;
}

int spate_ts_demux_create(struct spate_ts_demux **out,
			  const struct spate_ts_config *cfg)
{
	struct spate_ts_demux *d;

	if (cfg == NULL || cfg->on_packet == NULL)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	d->cfg = *cfg;
	if (d->cfg.max_pes_bytes == 0)
		d->cfg.max_pes_bytes = SPATE_TS_DEFAULT_MAX_PES_BYTES;
	if (d->cfg.sync_lock_packets < 2)
		d->cfg.sync_lock_packets = 2;
	if (d->cfg.sync_lock_packets > 16)
		d->cfg.sync_lock_packets = 16;
	d->hunt_cap = (d->cfg.sync_lock_packets + 1) * SPATE_TS_PACKET_SIZE;
	d->hunt = malloc(d->hunt_cap);
	if (d->hunt == NULL) {
		free(d);
		return -ENOMEM;
	}
	d->probing = d->cfg.probe_max_bytes > 0;
	spate_buf_init(&d->probe);
	for (unsigned i = 0; i < TS_MAX_PIDS; i++)
		d->pids[i].es = -1;
	/* The PAT is always wanted. */
	if (ts_pid_track(d, 0, TS_ROLE_PSI) == NULL) {
		spate_ts_demux_destroy(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

void spate_ts_demux_destroy(struct spate_ts_demux *d)
{
	if (d == NULL)
		return;
	for (unsigned i = 0; i < TS_MAX_PIDS; i++)
		spate_buf_free(&d->pids[i].data);
	for (unsigned i = 0; i < SPATE_TS_MAX_STREAMS; i++)
		spate_buf_free(&d->es[i].carry);
	spate_buf_free(&d->probe);
	free(d->hunt);
	free(d);
}

struct ts_pid *ts_pid_track(struct spate_ts_demux *d, uint16_t pid,
			    unsigned role)
{
	struct ts_pid *tp = ts_pid_get(d, pid);

	if (tp != NULL) {
		tp->roles |= (uint8_t)role;
		return tp;
	}
	for (unsigned i = 0; i < TS_MAX_PIDS; i++) {
		tp = &d->pids[i];
		if (tp->roles != 0)
			continue;
		spate_buf_free(&tp->data);
		memset(tp, 0, sizeof(*tp));
		tp->pid = pid;
		tp->roles = (uint8_t)role;
		tp->es = -1;
		d->pid_slot[pid] = (uint8_t)(i + 1);
		return tp;
	}
	return NULL;
}

void ts_pid_untrack(struct spate_ts_demux *d, uint16_t pid, unsigned role)
{
	struct ts_pid *tp = ts_pid_get(d, pid);

	if (tp == NULL)
		return;
	tp->roles &= (uint8_t)~role;
	if (role & (TS_ROLE_ES | TS_ROLE_PSI)) {
		tp->data.len = 0;
		tp->pes_active = false;
	}
	if (role & TS_ROLE_ES)
		tp->es = -1;
	if (tp->roles == 0) {
		spate_buf_free(&tp->data);
		tp->roles = 0;
		d->pid_slot[pid] = 0;
	}
}

/* PCR: 33-bit base at 90 kHz, 9-bit extension, as 27 MHz ticks. */
static void record_pcr(struct spate_ts_demux *d, uint16_t pid, const uint8_t *a)
{
	uint64_t base = ((uint64_t)a[0] << 25) | ((uint64_t)a[1] << 17) |
			((uint64_t)a[2] << 9) | ((uint64_t)a[3] << 1) |
			(a[4] >> 7);
	uint64_t ext = ((uint64_t)(a[4] & 1) << 8) | a[5];

	for (unsigned i = 0; i < d->n_programs; i++)
		if (d->programs[i].pcr_pid == pid)
			d->programs[i].last_pcr = (int64_t)(base * 300 + ext);
}

/*
 * Continuity (13818-1 2.4.3.3): the counter steps once per packet with
 * payload; one repeat of a packet is legal and is discarded; anything else
 * is a loss, and whatever was being reassembled on the PID is dropped.
 *
 * One exception: a gap on the packet that starts the next PES, when the PES
 * in progress is an unbounded (video) one.  That is how a splice or an
 * encoder restart looks, and the PES is then most likely whole; it goes on
 * (counted), as libavformat passes it, rather than losing a frame at every
 * reconnect.  Bounded PES check their own length in pes_complete().
 * Returns false when the payload must be skipped.
 */
static bool check_cc(struct spate_ts_demux *d, struct ts_pid *tp, unsigned cc,
		     bool discontinuity, bool pusi)
{
	bool ok = true;

	if (tp->cc_valid && !discontinuity) {
		if (cc == tp->cc) {
			d->st.cc_duplicates++;
			return false;
		}
		if (cc != ((tp->cc + 1u) & 0xfu)) {
			d->st.cc_errors++;
			tp->st.cc_errors++;
			ok = false;
		}
	}
	tp->cc = (uint8_t)cc;
	tp->cc_valid = true;
	if (!ok) {
		if ((tp->roles & TS_ROLE_ES) && pusi && ts_pes_unbounded(tp)) {
			d->st.pes_kept_at_cc_gap++;
			ts_pes_flush(d, tp);
		} else if (tp->roles & TS_ROLE_ES) {
			ts_pes_drop(d, tp);
		} else {
			tp->data.len = 0; /* PSI: wait for the next section */
		}
		tp->pes_active = false;
	}
	return true;
}

/* Parsing pauses for a callback error, or when the probe has all it
 * needs (the probe buffer then ends exactly at this packet). */
static bool stop(const struct spate_ts_demux *d)
{
	return d->error != 0 || d->probe_ready;
}

static void ts_packet(struct spate_ts_demux *d, const uint8_t *p)
{
	uint16_t pid = (uint16_t)(((p[1] & 0x1fu) << 8) | p[2]);
	bool pusi = (p[1] & 0x40) != 0;
	unsigned afc = (p[3] >> 4) & 3u, cc = p[3] & 0xfu;
	bool discontinuity = false, rai = false;
	size_t off = 4;
	struct ts_pid *tp;

	d->st.packets++;
	if (p[1] & 0x80) {
		/* The demodulator says this packet is damaged: even its PID
		 * may be wrong.  The next packet's CC shows the loss. */
		d->st.tei_packets++;
		return;
	}
	if (pid == TS_PID_NULL) {
		d->st.null_packets++;
		return;
	}
	tp = ts_pid_get(d, pid);
	if (tp == NULL) {
		d->st.unknown_pid_packets++;
		return;
	}
	tp->st.packets++;
	if (afc & 2) {
		size_t af_len = p[4];

		off = 5 + af_len;
		if (off > SPATE_TS_PACKET_SIZE) {
			d->st.bad_packets++;
			return;
		}
		if (af_len > 0) {
			discontinuity = (p[5] & 0x80) != 0;
			rai = (p[5] & 0x40) != 0;
			if ((p[5] & 0x10) && af_len >= 7 &&
			    (tp->roles & TS_ROLE_PCR))
				record_pcr(d, pid, p + 6);
		}
	}
	if (!(afc & 1))
		return; /* no payload: the CC does not step */
	if (!check_cc(d, tp, cc, discontinuity, pusi))
		return;
	if (off >= SPATE_TS_PACKET_SIZE)
		return;
	if (tp->roles & TS_ROLE_PSI)
		ts_psi_payload(d, tp, p + off, SPATE_TS_PACKET_SIZE - off,
			       pusi);
	else if (tp->roles & TS_ROLE_ES)
		ts_pes_payload(d, tp, p + off, SPATE_TS_PACKET_SIZE - off, pusi,
			       rai);
	if (d->probing && d->probe_check) {
		d->probe_check = false;
		d->probe_ready = ts_probe_complete(d);
	}
}

/* True when a lock can start at hunt[i]: sync bytes there and at every
 * packet start after it, `lock` times.  *pending: not enough bytes yet. */
static bool lock_at(const struct spate_ts_demux *d, size_t i, bool *pending)
{
	unsigned lock = d->cfg.sync_lock_packets;

	*pending = false;
	for (unsigned k = 0; k < lock; k++) {
		size_t at = i + (size_t)k * SPATE_TS_PACKET_SIZE;

		if (at >= d->hunt_len) {
			*pending = true;
			return false;
		}
		if (d->hunt[at] != SPATE_TS_SYNC_BYTE)
			return false;
	}
	return true;
}

/*
 * Hunting: looks for `sync_lock_packets` sync bytes 188 apart in the hunt
 * window.  On lock, parses the window's whole packets and keeps a partial
 * one as the carry; bytes before the lock point are counted as skipped.
 * Without lock, keeps only the tail that could still start one.
 */
static void hunt(struct spate_ts_demux *d)
{
	while (d->hunt_len > 0 && !d->locked && !stop(d)) {
		size_t i, first_pending = d->hunt_len, pos;
		bool pending, found = false;

		for (i = 0; i < d->hunt_len; i++) {
			if (d->hunt[i] != SPATE_TS_SYNC_BYTE)
				continue;
			if (lock_at(d, i, &pending)) {
				found = true;
				break;
			}
			if (pending && first_pending == d->hunt_len)
				first_pending = i;
		}
		if (!found) {
			d->st.bytes_skipped += first_pending;
			memmove(d->hunt, d->hunt + first_pending,
				d->hunt_len - first_pending);
			d->hunt_len -= first_pending;
			return;
		}
		d->st.bytes_skipped += i;
		d->locked = true;
		pos = i;
		while (d->hunt_len - pos > SPATE_TS_PACKET_SIZE &&
		       d->hunt[pos] == SPATE_TS_SYNC_BYTE &&
		       d->hunt[pos + SPATE_TS_PACKET_SIZE] ==
			       SPATE_TS_SYNC_BYTE &&
		       !stop(d)) {
			ts_packet(d, d->hunt + pos);
			pos += SPATE_TS_PACKET_SIZE;
		}
		if (stop(d)) {
			pos = d->hunt_len; /* the caller resets or replays */
		} else if (d->hunt_len - pos > SPATE_TS_PACKET_SIZE ||
			   d->hunt[pos] != SPATE_TS_SYNC_BYTE) {
			d->st.sync_losses++;
			d->locked = false;
		} else {
			d->carry_len = d->hunt_len - pos;
			memcpy(d->carry, d->hunt + pos, d->carry_len);
			pos = d->hunt_len;
		}
		memmove(d->hunt, d->hunt + pos, d->hunt_len - pos);
		d->hunt_len -= pos;
	}
}

/*
 * Bytes → packets; returns the bytes taken (all, unless a callback failed
 * or the probe became ready).  The locked fast path parses packets in
 * place.  A packet is parsed only once the next one's sync byte is seen
 * (or the input ends), so garbage that happens to start with 0x47 costs
 * itself, not the packet after it.
 */
static size_t parse(struct spate_ts_demux *d, const uint8_t *p, size_t n)
{
	const uint8_t *start = p;

	while (n > 0 && !stop(d)) {
		if (!d->locked) {
			size_t take = d->hunt_cap - d->hunt_len;

			if (take > n)
				take = n;
			memcpy(d->hunt + d->hunt_len, p, take);
			d->hunt_len += take;
			p += take;
			n -= take;
			hunt(d);
			continue;
		}
		if (d->carry_len > 0 && d->carry_len < SPATE_TS_PACKET_SIZE) {
			size_t take = SPATE_TS_PACKET_SIZE - d->carry_len;

			if (take > n)
				take = n;
			memcpy(d->carry + d->carry_len, p, take);
			d->carry_len += take;
			p += take;
			n -= take;
			continue;
		}
		if (d->carry_len == SPATE_TS_PACKET_SIZE) {
			d->carry_len = 0;
			if (p[0] == SPATE_TS_SYNC_BYTE) {
				ts_packet(d, d->carry);
				continue;
			}
			/* This packet or the next is bad: hunt from here. */
			d->st.sync_losses++;
			d->locked = false;
			memcpy(d->hunt, d->carry, SPATE_TS_PACKET_SIZE);
			d->hunt_len = SPATE_TS_PACKET_SIZE;
			continue;
		}
		while (n > SPATE_TS_PACKET_SIZE && p[0] == SPATE_TS_SYNC_BYTE &&
		       p[SPATE_TS_PACKET_SIZE] == SPATE_TS_SYNC_BYTE &&
		       !stop(d)) {
			ts_packet(d, p);
			p += SPATE_TS_PACKET_SIZE;
			n -= SPATE_TS_PACKET_SIZE;
		}
		if (n == 0 || stop(d))
			break;
		if (p[0] != SPATE_TS_SYNC_BYTE || n > SPATE_TS_PACKET_SIZE) {
			d->st.sync_losses++;
			d->locked = false;
			continue;
		}
		memcpy(d->carry, p, n); /* n <= 188: waits for what follows */
		d->carry_len = n;
		p += n;
		n = 0;
	}
	return (size_t)(p - start);
}

/*
 * End of the probe: announce every stream, forget all reassembly state
 * and counters, and parse the buffered bytes again, this time emitting.
 * The tables (programs, streams) are kept, so the replayed PAT and PMTs
 * change nothing.
 */
static int probe_end(struct spate_ts_demux *d)
{
	uint64_t bytes_in = d->st.bytes_in;
	struct spate_buf raw = d->probe;

	d->probing = false;
	d->probe_ready = false;
	spate_buf_init(&d->probe);
	d->locked = false;
	d->carry_len = 0;
	d->hunt_len = 0;
	for (unsigned i = 0; i < TS_MAX_PIDS; i++) {
		struct ts_pid *tp = &d->pids[i];

		tp->cc_valid = false;
		tp->pes_active = false;
		tp->data.len = 0;
		memset(&tp->st, 0, sizeof(tp->st));
	}
	for (unsigned i = 0; i < SPATE_TS_MAX_STREAMS; i++) {
		d->es[i].carry.len = 0;
		d->es[i].next_pts = SPATE_PKG_NOPTS;
	}
	memset(&d->st, 0, sizeof(d->st));
	d->st.bytes_in = bytes_in;
	ts_announce_all(d);
	if (d->error == 0)
		(void)parse(d, raw.data, raw.len);
	spate_buf_free(&raw);
	return d->error;
}

int spate_ts_demux_input(struct spate_ts_demux *d, const uint8_t *data,
			 size_t len)
{
	d->error = 0;
	d->st.bytes_in += len;
	while (d->probing && len > 0) {
		size_t take = len < TS_PROBE_SLICE ? len : TS_PROBE_SLICE;

		take = parse(d, data, take);
		spate_buf_put(&d->probe, data, take);
		if (d->probe.error != 0)
			return -ENOMEM;
		data += take;
		len -= take;
		if (d->probe_ready || d->probe.len >= d->cfg.probe_max_bytes) {
			if (probe_end(d) < 0)
				return d->error;
		}
	}
	(void)parse(d, data, len);
	return d->error;
}

int spate_ts_demux_finish(struct spate_ts_demux *d)
{
	d->error = 0;
	if (d->probing && probe_end(d) < 0)
		return d->error;
	if (d->locked && d->carry_len == SPATE_TS_PACKET_SIZE) {
		d->carry_len = 0;
		ts_packet(d, d->carry); /* the last packet: nothing follows */
	}
	for (unsigned i = 0; i < TS_MAX_PIDS && d->error == 0; i++)
		if (d->pids[i].roles & TS_ROLE_ES)
			ts_pes_flush(d, &d->pids[i]);
	for (unsigned i = 0; i < SPATE_TS_MAX_STREAMS; i++) {
		if (d->es[i].carry.len > 0)
			d->st.es_errors++; /* an ADTS frame cut by the end */
		d->es[i].carry.len = 0;
	}
	return d->error;
}

void spate_ts_demux_stats(const struct spate_ts_demux *d,
			  struct spate_ts_stats *out)
{
	*out = d->st;
	out->n_programs = d->n_programs;
	for (unsigned i = 0; i < d->n_programs; i++) {
		out->programs[i].program_number = d->programs[i].number;
		out->programs[i].pmt_pid = d->programs[i].pmt_pid;
		out->programs[i].pcr_pid = d->programs[i].pcr_pid;
		out->programs[i].last_pcr = d->programs[i].last_pcr;
	}
}

int spate_ts_demux_pid_stats(const struct spate_ts_demux *d, uint16_t pid,
			     struct spate_ts_pid_stats *out)
{
	uint8_t s = d->pid_slot[pid & 0x1fff];

	if (pid >= TS_PID_COUNT || s == 0)
		return -ENOENT;
	*out = d->pids[s - 1].st;
	return 0;
}

int spate_ts_sniff(const uint8_t *buf, size_t len)
{
	for (size_t i = 0;
	     i < SPATE_TS_PACKET_SIZE && i + 2 * SPATE_TS_PACKET_SIZE < len;
	     i++)
		if (buf[i] == SPATE_TS_SYNC_BYTE &&
		    buf[i + SPATE_TS_PACKET_SIZE] == SPATE_TS_SYNC_BYTE &&
		    buf[i + 2 * SPATE_TS_PACKET_SIZE] == SPATE_TS_SYNC_BYTE)
			return 1;
	return 0;
}
