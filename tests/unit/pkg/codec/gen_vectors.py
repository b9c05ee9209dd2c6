#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
Regenerates vectors.h: real codec configuration bytes made by the installed
ffmpeg (libx264, libx265, libaom-av1, libsvtav1, aac, libopus) and the
records ffmpeg's mp4 muxer writes for the same streams, which the unit tests
compare our parsers and builders against.

    python3 gen_vectors.py > vectors.h

Encoder headers are deterministic for a given encoder version; re-running
with another x264/x265/aom build may change SEI-free parameter sets only if
the encoder's defaults changed.
"""
import os
import subprocess
import sys
import tempfile

Q = ['ffmpeg', '-hide_banner', '-loglevel', 'error', '-y']


def run(args):
    subprocess.run(Q + args, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def box(data, fourcc):
    i = data.find(fourcc.encode())
    size = int.from_bytes(data[i - 4:i], 'big')
    return data[i + 4:i - 4 + size]


def annexb_nals(data):
    starts, i = [], 0
    while True:
        j = data.find(b'\x00\x00\x01', i)
        if j < 0:
            break
        starts.append(j + 3)
        i = j + 3
    out = []
    for k, s in enumerate(starts):
        e = starts[k + 1] - 3 if k + 1 < len(starts) else len(data)
        nal = data[s:e].rstrip(b'\x00')
        out.append(nal)
    return out


def esds_dsi(esds):
    p = 4  # full box version and flags
    while p < len(esds):
        tag = esds[p]
        p += 1
        n = 0
        while True:
            b = esds[p]
            p += 1
            n = n << 7 | (b & 0x7f)
            if not b & 0x80:
                break
        if tag == 0x03:
            p += 3  # ES_ID, flags
            continue
        if tag == 0x04:
            p += 13
            continue
        if tag == 0x05:
            return esds[p:p + n]
        p += n
    raise ValueError('no DecoderSpecificInfo')


def opus_head(ogg):
    i = ogg.index(b'OpusHead')
    ch, fam = ogg[i + 9], ogg[i + 18]
    return ogg[i:i + 19 + (2 + ch if fam else 0)]


def c_array(name, data, comment):
    lines = ['/* %s */' % comment,
             'static const uint8_t %s[%d] __attribute__((unused)) = {'
             % (name, len(data))]
    for k in range(0, len(data), 12):
        lines.append('\t' + ', '.join('0x%02x' % b for b in data[k:k + 12])
                     + ',')
    lines.append('};')
    return '\n'.join(lines) + '\n'


def annexb(nals):
    return b''.join(b'\x00\x00\x00\x01' + n for n in nals)


def main():
    with tempfile.TemporaryDirectory() as d:
        os.chdir(d)
        generate()


def generate():
    out = []
    src = lambda size, rate: ['-f', 'lavfi', '-i',
                              'testsrc2=size=%s:rate=%s' % (size, rate)]
    h264 = [
        ('h264_high', src('640x360', 30) + ['-t', '1', '-c:v', 'libx264',
         '-profile:v', 'high', '-pix_fmt', 'yuv420p'],
         'libx264 High, 640x360 (368 coded, cropped), 30 fps'),
        ('h264_base', src('320x240', 25) + ['-t', '1', '-c:v', 'libx264',
         '-profile:v', 'baseline', '-pix_fmt', 'yuv420p'],
         'libx264 Constrained Baseline, 320x240, 25 fps'),
        ('h264_422_10', src('1920x1080', 25) + ['-t', '0.2', '-vf',
         'setsar=4/3', '-c:v', 'libx264', '-profile:v', 'high422',
         '-pix_fmt', 'yuv422p10le'],
         'libx264 High 4:2:2 10-bit, 1920x1080, SAR 4:3, 25 fps'),
        ('h264_il', src('720x576', 25) + ['-t', '0.2', '-vf', 'setsar=16/15',
         '-c:v', 'libx264', '-flags', '+ildct+ilme', '-x264opts', 'tff=1',
         '-pix_fmt', 'yuv420p'],
         'libx264 High interlaced (frame_mbs_only 0), 720x576, SAR 16:15'),
    ]
    for name, args, comment in h264:
        run(args + ['-f', 'h264', name + '.h264'])
        run(['-i', name + '.h264', '-c', 'copy', name + '.mp4'])
        nals = annexb_nals(open(name + '.h264', 'rb').read())
        ps = [n for n in nals[:4] if n[0] & 0x1f in (7, 8)]
        out.append(c_array(name + '_annexb', annexb(ps),
                           comment + ': SPS, PPS with start codes'))
        out.append(c_array(name + '_avcc_ffmpeg',
                           box(open(name + '.mp4', 'rb').read(), 'avcC'),
                           comment + ': avcC written by ffmpeg mp4 muxer'))
    hevc = [
        ('hevc_main', src('640x360', 30) + ['-t', '1', '-c:v', 'libx265',
         '-pix_fmt', 'yuv420p'], 'libx265 Main, 640x360, 30 fps'),
        ('hevc_main10', src('1280x720', '60000/1001') + ['-t', '0.2',
         '-c:v', 'libx265', '-pix_fmt', 'yuv420p10le'],
         'libx265 Main 10, 1280x720, 59.94 fps'),
        ('hevc_1080', src('1920x1080', 30) + ['-t', '0.2', '-c:v', 'libx265',
         '-x265-params', 'sar=1', '-pix_fmt', 'yuv420p'],
         'libx265 Main, 1920x1080 (1088 coded, cropped), SAR 1:1'),
    ]
    for name, args, comment in hevc:
        run(args + ['-f', 'hevc', name + '.hevc'])
        run(['-i', name + '.hevc', '-c', 'copy', name + '.mp4'])
        nals = annexb_nals(open(name + '.hevc', 'rb').read())
        ps = [n for n in nals[:5] if (n[0] >> 1) & 0x3f in (32, 33, 34)]
        out.append(c_array(name + '_annexb', annexb(ps),
                           comment + ': VPS, SPS, PPS with start codes'))
        out.append(c_array(name + '_hvcc_ffmpeg',
                           box(open(name + '.mp4', 'rb').read(), 'hvcC'),
                           comment + ': hvcC written by ffmpeg mp4 muxer'))
    run(src('640x360', 30) + ['-t', '0.3', '-c:v', 'libx265', 'x265.mp4'])
    out.append(c_array('hevc_x265_hvcc_with_sei',
                       box(open('x265.mp4', 'rb').read(), 'hvcC'),
                       'libx265 encoding straight to mp4: ffmpeg keeps '
                       "x265's user-data SEI in hvcC"))
    av1 = [
        ('av1_aom', src('640x360', 30) + ['-t', '1', '-c:v', 'libaom-av1',
         '-cpu-used', '8', '-pix_fmt', 'yuv420p'],
         'libaom-av1 Main 8-bit, 640x360'),
        ('av1_svt10', src('1280x720', 30) + ['-t', '0.2', '-c:v', 'libsvtav1',
         '-pix_fmt', 'yuv420p10le'], 'libsvtav1 Main 10-bit, 1280x720'),
    ]
    for name, args, comment in av1:
        run(args + ['-f', 'obu', name + '.obu'])
        run(['-i', name + '.obu', '-c', 'copy', name + '.mp4'])
        raw = open(name + '.obu', 'rb').read()
        # temporal delimiter (2 bytes) + sequence header OBU with size
        assert raw[0] == 0x12 and raw[1] == 0 and raw[2] == 0x0a
        seq_len = 2 + 2 + raw[3]
        out.append(c_array(name + '_td_seq', raw[:seq_len],
                           comment + ': temporal delimiter + sequence '
                           'header OBU as in the .obu stream'))
        out.append(c_array(name + '_av1c_ffmpeg',
                           box(open(name + '.mp4', 'rb').read(), 'av1C'),
                           comment + ': av1C written by ffmpeg mp4 muxer'))
    aac = [('aac_lc_48k_stereo', ['-f', 'lavfi', '-i',
            'sine=sample_rate=48000', '-ac', '2', '-t', '0.5'],
            'ffmpeg aac LC 48 kHz stereo'),
           ('aac_lc_44k_mono', ['-f', 'lavfi', '-i', 'sine=sample_rate=44100',
            '-ac', '1', '-t', '0.5'], 'ffmpeg aac LC 44.1 kHz mono')]
    for name, args, comment in aac:
        run(args + ['-c:a', 'aac', '-f', 'adts', name + '.adts'])
        run(['-i', name + '.adts', '-c', 'copy', name + '.mp4'])
        out.append(c_array(name + '_adts', open(name + '.adts',
                           'rb').read()[:7], comment + ': first ADTS header'))
        out.append(c_array(name + '_asc_ffmpeg',
                           esds_dsi(box(open(name + '.mp4', 'rb').read(),
                                        'esds')),
                           comment + ': ASC in the esds ffmpeg wrote'))
    opus = [('opus_stereo', ['-f', 'lavfi', '-i', 'sine=sample_rate=48000',
             '-ac', '2', '-t', '0.5'], 'libopus stereo'),
            ('opus_51', ['-f', 'lavfi', '-i', 'sine=sample_rate=48000', '-af',
             'pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0', '-t', '0.5'],
             'libopus 5.1 (mapping family 1)')]
    for name, args, comment in opus:
        run(args + ['-c:a', 'libopus', '-f', 'ogg', name + '.ogg'])
        run(['-i', name + '.ogg', '-c', 'copy', name + '.mp4'])
        out.append(c_array(name + '_head', opus_head(open(name + '.ogg',
                           'rb').read()), comment + ': OpusHead from Ogg'))
        out.append(c_array(name + '_dops_ffmpeg',
                           box(open(name + '.mp4', 'rb').read(), 'dOps'),
                           comment + ': dOps body ffmpeg wrote'))
    sys.stdout.write(
        '/* SPDX-License-Identifier: BSD-3-Clause */\n'
        '/*\n * Real codec configuration bytes for the pkg/codec tests, '
        'generated by\n * gen_vectors.py with ffmpeg %s.  Do not edit.\n */\n'
        '#ifndef SPATE_TEST_CODEC_VECTORS_H\n'
        '#define SPATE_TEST_CODEC_VECTORS_H\n\n#include <stdint.h>\n\n'
        % subprocess.run(['ffmpeg', '-version'], capture_output=True,
                         text=True).stdout.split()[2])
    sys.stdout.write('\n'.join(out))
    sys.stdout.write('\n#endif /* SPATE_TEST_CODEC_VECTORS_H */\n')


if __name__ == '__main__':
    main()
