/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parameter-set lists shared by the H.264 and HEVC code: collecting NAL
 * units by kind without copying them, with byte-exact de-duplication so an
 * encoder that repeats its SPS/PPS in every keyframe, or extradata that
 * lists one twice, still yields one entry in the record we build.
 *
 * Owns list bookkeeping only; what counts as which kind is decided by the
 * codec files.
 */
#include <errno.h>
#include <string.h>

#include "codec_internal.h"
#include "nal.h"

void ps_sets_clear(struct ps_sets *ps)
{
	for (unsigned k = 0; k < PS_KIND_COUNT; k++)
		ps->kind[k].count = 0;
}

int ps_set_contains(const struct ps_set *s, const uint8_t *nal, size_t len)
{
	for (unsigned i = 0; i < s->count; i++)
		if (s->nal[i].len == len &&
		    memcmp(s->nal[i].data, nal, len) == 0)
			return 1;
	return 0;
}

int ps_set_add(struct ps_set *s, const uint8_t *nal, size_t len)
{
	if (ps_set_contains(s, nal, len))
		return 0;
	if (s->count >= PS_SET_MAX)
		return -ENOTSUP;
	s->nal[s->count].data = nal;
	s->nal[s->count].len = len;
	s->count++;
	return 0;
}

/*
 * A stored AU changes the configuration when it carries a parameter set
 * that is not byte-identical to one already in the record.  Kinds the AU
 * does not carry are taken from the current record, so an AU that brings
 * only a new PPS still yields a complete record.  Comparing NAL units, not
 * records, keeps a record that came from a demuxer (with its own quirks)
 * from looking "changed" next to one we would build.
 */
int ps_detect_change(const struct ps_codec *codec,
		     const struct spate_track_info *t, const uint8_t *au,
		     size_t len, struct spate_track_info *next)
{
	struct ps_sets in_au, current, merged;
	unsigned carried = 0;
	int changed = 0, rc;

	ps_sets_clear(&in_au);
	ps_sets_clear(&current);
	rc = codec->collect(au, len, 4, &in_au);
	if (rc < 0)
		return rc;
	for (unsigned k = 0; k < PS_KIND_COUNT; k++)
		carried += in_au.kind[k].count;
	if (carried == 0)
		return 0;
	/* An unparsable current record just means everything is new. */
	if (t->config_len > sizeof(t->config) ||
	    codec->record_parse(t->config, t->config_len, &current) < 0)
		ps_sets_clear(&current);
	for (unsigned k = 0; k < PS_KIND_COUNT; k++)
		for (unsigned i = 0; i < in_au.kind[k].count; i++)
			if (!ps_set_contains(&current.kind[k],
					     in_au.kind[k].nal[i].data,
					     in_au.kind[k].nal[i].len))
				changed = 1;
	if (!changed)
		return 0;
	merged = current;
	for (unsigned k = 0; k < PS_KIND_COUNT; k++)
		if (in_au.kind[k].count > 0)
			merged.kind[k] = in_au.kind[k];
	/* H.264 SPS extensions belong to the SPS they came with. */
	if (in_au.kind[PS_SPS].count > 0)
		merged.kind[PS_SPS_EXT] = in_au.kind[PS_SPS_EXT];
	*next = *t;
	rc = codec->build(next, &merged);
	if (rc < 0)
		return rc;
	/* e.g. a repeated SPS extension alone rebuilds the same record */
	if (next->config_len == t->config_len &&
	    memcmp(next->config, t->config, t->config_len) == 0)
		return 0;
	return 1;
}

int ps_configure(const struct ps_codec *codec, struct spate_track_info *t,
		 const uint8_t *data, size_t len)
{
	struct ps_sets ps;
	int rc;

	ps_sets_clear(&ps);
	/* A record (avcC, hvcC) starts with configurationVersion 1; Annex B
	 * with the zeros of a start code. */
	if (data[0] == 1)
		rc = codec->record_parse(data, len, &ps);
	else if (nal_is_annexb(data, len))
		rc = codec->collect(data, len, 0, &ps);
	else
		rc = -EINVAL;
	if (rc < 0)
		return rc;
	return codec->build(t, &ps);
}
