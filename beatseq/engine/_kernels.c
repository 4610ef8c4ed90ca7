/* Compiled kernels for a render's per-sample loops (see beatseq/engine/native.py).
 *
 * Plain C on plain arrays, called through ctypes: no Python headers, so one build
 * serves every Python version. Each kernel does, sample for sample, what its numpy
 * fallback in native.py does, in the same order of float32 operations (built with
 * -ffp-contract=off, so no fused multiply-adds), so the two give the same samples.
 * Only the biquad cascade differs: it runs the filter sample by sample in float64,
 * which is at least as exact as the fallback's block state space. The reverb's
 * fallback is pedalboard's Reverb itself: `bs_reverb` gives its samples.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define KERNELS_VERSION 6

int bs_version(void) { return KERNELS_VERSION; }

static void add_scaled(float *restrict dst, const float *restrict src, float g, int64_t n) {
    for (int64_t j = 0; j < n; j++) dst[j] += src[j] * g;
}

static void add_faded(float *restrict dst, const float *restrict src, float g,
                      const float *restrict fade, int64_t n) {
    for (int64_t j = 0; j < n; j++) {
        float w = src[j] * g;
        dst[j] += w * fade[j];
    }
}

static float loudest(const float *src, float g, const float *fade, int64_t n, float top) {
    for (int64_t j = 0; j < n; j++) {
        float w = src[j] * g;
        if (fade) w = w * fade[j];
        float mag = fabsf(w);
        top = mag > top ? mag : top;
    }
    return top;
}

/* Add `count` hits to `out` (rows of `out_stride` floats, frames [start, end)), each
 * hit's sound shifted by `shift` frames. Hit i plays `data[i]` (rows `strides[i]`
 * floats apart, `lengths[i]` frames) from frame starts[i] until stops[i], times
 * levels[i]; a cut hit fades out over the last `fade_len` frames before its stop.
 * Route r adds the sound's row sources[r] to out's row channels[r] times gains[r].
 * With `metering`, returns the largest magnitude added (else 0). */
double bs_add_hits(float *out, int64_t out_stride, int64_t start, int64_t end, int64_t shift,
                   int64_t count, const int64_t *starts, const int64_t *stops,
                   const float *levels, const uint8_t *cut, const uintptr_t *data,
                   const int64_t *lengths, const int64_t *strides, const float *fade,
                   int64_t fade_len, int routes, const int32_t *sources,
                   const int32_t *channels, const double *gains, int metering) {
    float top = 0.0f;
    for (int64_t i = 0; i < count; i++) {
        int64_t first = starts[i] + shift;
        int64_t stop = stops[i] + shift;
        if (stop <= start) continue;
        int64_t a = first > start ? first : start;
        int64_t b = stop < end ? stop : end;
        if (first + lengths[i] < b) b = first + lengths[i];
        if (b <= a) continue;
        int64_t fade_start = stop - fade_len;
        int64_t plain = b - a; /* frames before the fade */
        if (cut[i] && b > fade_start) plain = fade_start > a ? fade_start - a : 0;
        const float *sound = (const float *)data[i];
        double level = (double)levels[i];
        for (int r = 0; r < routes; r++) {
            if (gains[r] == 0.0) continue;
            float g = (float)(level * gains[r]);
            const float *src = sound + sources[r] * strides[i] + (a - first);
            float *dst = out + channels[r] * out_stride + (a - start);
            add_scaled(dst, src, g, plain);
            if (plain < b - a) {
                const float *f = fade + (a + plain - fade_start);
                add_faded(dst + plain, src + plain, g, f, b - a - plain);
                if (metering) top = loudest(src + plain, g, f, b - a - plain, top);
            }
            if (metering) top = loudest(src, g, 0, plain, top);
        }
    }
    return (double)top;
}

/* The first of `n` ascending `values` that is >= `x` (numpy's searchsorted). */
static int64_t first_at_least(const int64_t *values, int64_t n, int64_t x) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (values[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* bs_add_hits for several tracks in turn, each the hits sounding in [start, end): track
 * t is described by TRACK_FIELDS numbers from tracks + TRACK_FIELDS * t (hit count,
 * longest hit, then the addresses of the columns bs_add_hits reads, the fade and its
 * length, the route count and the routes' addresses). */
#define TRACK_FIELDS 15
void bs_add_tracks(float *out, int64_t out_stride, int64_t start, int64_t end,
                   int64_t count, const int64_t *tracks) {
    for (int64_t t = 0; t < count; t++) {
        const int64_t *f = tracks + TRACK_FIELDS * t;
        const int64_t *starts = (const int64_t *)f[2];
        int64_t lo = first_at_least(starts, f[0], start - f[1]);
        int64_t hi = first_at_least(starts, f[0], end);
        if (hi <= lo) continue;
        bs_add_hits(out, out_stride, start, end, 0, hi - lo, starts + lo,
                    (const int64_t *)f[3] + lo, (const float *)f[4] + lo,
                    (const uint8_t *)f[5] + lo, (const uintptr_t *)f[6] + lo,
                    (const int64_t *)f[7] + lo, (const int64_t *)f[8] + lo,
                    (const float *)f[9], f[10], (int)f[11], (const int32_t *)f[12],
                    (const int32_t *)f[13], (const double *)f[14], 0);
    }
}

/* The largest magnitude in each chunk of `k` frames, over two rows `stride` apart.
 * (Magnitudes are never NaN or -0 here, which lets the compiler use vector maxima.) */
__attribute__((optimize("finite-math-only", "no-signed-zeros"))) void bs_chunk_peaks(
    const float *audio, int64_t stride, int64_t chunks, int64_t k, float *peaks) {
    for (int64_t c = 0; c < chunks; c++) {
        const float *left = audio + c * k, *right = audio + stride + c * k;
        float top = 0.0f;
        for (int64_t j = 0; j < k; j++) {
            float l = fabsf(left[j]), r = fabsf(right[j]);
            float m = l > r ? l : r;
            top = m > top ? m : top;
        }
        peaks[c] = top;
    }
}

/* The limiter's gain for `frames` frames and the limited audio: frame j lies at
 * `offset + j` in chunks of `k` frames whose gain nodes are `nodes`; its gain runs
 * from its chunk's node towards the next, and the audio times it is clipped to
 * [-1, 1]. In: two rows `stride` apart; out: frames side by side (frames, 2). */
void bs_limit(const float *audio, int64_t stride, int64_t frames, const double *nodes,
              int64_t offset, int64_t k, float *out, float *gain) {
    double fractions[256]; /* where each frame of a chunk lies in it (k <= 256) */
    for (int64_t i = 0; i < k && i < 256; i++) fractions[i] = (double)i / (double)k;
    int64_t chunk = offset / k, within = offset % k;
    /* chunk by chunk, so the inner loops vectorise; a chunk whose nodes are both 1
     * (nothing to limit: most of a song) has the gain 1 + 0 * fraction = 1 exactly */
    for (int64_t j = 0; j < frames; chunk++, within = 0) {
        int64_t n = k - within < frames - j ? k - within : frames - j;
        double here = nodes[chunk], step = nodes[chunk + 1] - here;
        float *g = gain + j;
        if (here == 1.0 && step == 0.0) {
            for (int64_t i = 0; i < n; i++) g[i] = 1.0f;
        } else {
            const double *f = fractions + within;
            for (int64_t i = 0; i < n; i++) g[i] = (float)(here + step * f[i]);
        }
        j += n;
    }
    const float *left = audio, *right = audio + stride;
    int64_t j = 0;
#if defined(__SSE2__)
    /* four frames at a time, as below: max(-1, x) is `x < -1 ? -1 : x`, NaN included */
    const __m128 low = _mm_set1_ps(-1.0f), high = _mm_set1_ps(1.0f);
    for (; j + 4 <= frames; j += 4) {
        __m128 g = _mm_loadu_ps(gain + j);
        __m128 l = _mm_mul_ps(_mm_loadu_ps(left + j), g);
        __m128 r = _mm_mul_ps(_mm_loadu_ps(right + j), g);
        l = _mm_min_ps(high, _mm_max_ps(low, l));
        r = _mm_min_ps(high, _mm_max_ps(low, r));
        _mm_storeu_ps(out + 2 * j, _mm_unpacklo_ps(l, r));
        _mm_storeu_ps(out + 2 * j + 4, _mm_unpackhi_ps(l, r));
    }
#endif
    for (; j < frames; j++) {
        float l = left[j] * gain[j], r = right[j] * gain[j];
        l = l < -1.0f ? -1.0f : l;
        r = r < -1.0f ? -1.0f : r;
        out[2 * j] = l > 1.0f ? 1.0f : l;
        out[2 * j + 1] = r > 1.0f ? 1.0f : r;
    }
}

/* A cascade of `sections` biquads (b0, b1, b2, a1, a2 each) run in place on `rows`
 * float64 rows of `frames`, transposed direct form II; `state` holds two numbers per
 * row and section and is carried from call to call. Each frame runs every row and
 * section before the next frame: their recursions are independent of each other, so
 * the processor overlaps them (one alone waits on its own result every frame). ROWS
 * and SECTIONS are constants where it is inlined, so the states stay in registers. */
static inline __attribute__((always_inline)) void cascade(double *y, int64_t frames,
                                                          const double *coefs,
                                                          double *state, const int ROWS,
                                                          const int SECTIONS) {
    double z[2 * 2 * 4], c[5 * 4];
    for (int i = 0; i < 2 * ROWS * SECTIONS; i++) z[i] = state[i];
    for (int i = 0; i < 5 * SECTIONS; i++) c[i] = coefs[i];
    for (int64_t j = 0; j < frames; j++) {
        for (int r = 0; r < ROWS; r++) {
            double v = y[r * frames + j];
            for (int s = 0; s < SECTIONS; s++) {
                double *zs = z + 2 * (r * SECTIONS + s);
                const double *cs = c + 5 * s;
                double w = cs[0] * v + zs[0];
                zs[0] = cs[1] * v - cs[3] * w + zs[1];
                zs[1] = cs[2] * v - cs[4] * w;
                v = w;
            }
            y[r * frames + j] = v;
        }
    }
    /* a tail dying away: no subnormal numbers, which are slow */
    for (int i = 0; i < 2 * ROWS * SECTIONS; i++) state[i] = fabs(z[i]) < 1e-30 ? 0.0 : z[i];
}

static void run_sections(double *y, int64_t rows, int64_t frames, const double *coefs,
                         int64_t sections, double *state) {
    if (rows == 2 && sections == 2) {
        cascade(y, frames, coefs, state, 2, 2);
    } else if (rows == 2 && sections == 1) {
        cascade(y, frames, coefs, state, 2, 1);
    } else if (rows == 1 && sections == 2) {
        cascade(y, frames, coefs, state, 1, 2);
    } else if (rows == 1 && sections == 1) {
        cascade(y, frames, coefs, state, 1, 1);
    } else {
        for (int64_t r = 0; r < rows; r++)
            for (int64_t s = 0; s < sections; s++)
                cascade(y + r * frames, frames, coefs + 5 * s,
                        state + 2 * (r * sections + s), 1, 1);
    }
}

/* The cascade on float32 input: row r's frame j at x[r * stride + j * step]. Output
 * float64, rows of `frames`. */
void bs_biquads_f32(const float *x, int64_t stride, int64_t step, int64_t rows,
                    int64_t frames, const double *coefs, int64_t sections, double *state,
                    double *y) {
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < frames; j++) y[r * frames + j] = (double)x[r * stride + j * step];
    run_sections(y, rows, frames, coefs, sections, state);
}

/* The same on float64 input. */
void bs_biquads_f64(const double *x, int64_t stride, int64_t step, int64_t rows,
                    int64_t frames, const double *coefs, int64_t sections, double *state,
                    double *y) {
    for (int64_t r = 0; r < rows; r++)
        for (int64_t j = 0; j < frames; j++) y[r * frames + j] = x[r * stride + j * step];
    run_sections(y, rows, frames, coefs, sections, state);
}

typedef double v2d __attribute__((vector_size(16)));

/* The loudness meter's K-weighting and energies in one pass, on float32 stereo frames
 * side by side: the cascade of `sections` (at most 4) biquads on both channels at once
 * (one two-lane vector), `state` as bs_biquads keeps it (channel, section, 2). The
 * squares are summed over steps of `step` frames: `progress` holds the frames of the
 * step in progress and `carry` its two sums; each step that fills is written to
 * `steps` (two sums each). Returns the number of steps written. */
int64_t bs_weigh(const float *x, int64_t frames, const double *coefs, int64_t sections,
                 double *state, int64_t step, int64_t *progress, double *carry,
                 double *steps) {
    v2d z1[4], z2[4], b0[4], b1[4], b2[4], a1[4], a2[4];
    for (int64_t s = 0; s < sections; s++) {
        const double *c = coefs + 5 * s;
        b0[s] = (v2d){c[0], c[0]};
        b1[s] = (v2d){c[1], c[1]};
        b2[s] = (v2d){c[2], c[2]};
        a1[s] = (v2d){c[3], c[3]};
        a2[s] = (v2d){c[4], c[4]};
        z1[s] = (v2d){state[2 * s], state[2 * (sections + s)]};
        z2[s] = (v2d){state[2 * s + 1], state[2 * (sections + s) + 1]};
    }
    v2d sum = {carry[0], carry[1]};
    int64_t filled = *progress, written = 0;
    for (int64_t j = 0; j < frames; j++) {
        v2d v = {(double)x[2 * j], (double)x[2 * j + 1]};
        for (int64_t s = 0; s < sections; s++) {
            v2d w = b0[s] * v + z1[s];
            z1[s] = b1[s] * v - a1[s] * w + z2[s];
            z2[s] = b2[s] * v - a2[s] * w;
            v = w;
        }
        sum += v * v;
        if (++filled == step) {
            steps[2 * written] = sum[0];
            steps[2 * written + 1] = sum[1];
            written++;
            sum = (v2d){0.0, 0.0};
            filled = 0;
        }
    }
    for (int64_t s = 0; s < sections; s++) {
        double *left = state + 2 * s, *right = state + 2 * (sections + s);
        left[0] = fabs(z1[s][0]) < 1e-30 ? 0.0 : z1[s][0];
        left[1] = fabs(z2[s][0]) < 1e-30 ? 0.0 : z2[s][0];
        right[0] = fabs(z1[s][1]) < 1e-30 ? 0.0 : z1[s][1];
        right[1] = fabs(z2[s][1]) < 1e-30 ? 0.0 : z2[s][1];
    }
    carry[0] = sum[0];
    carry[1] = sum[1];
    *progress = filled;
    return written;
}

/* Float samples (interleaved as they lie) to little-endian 24-bit PCM, 3n bytes:
 * times 8388607 in float32, clipped to [-8388608, 8388607], rounded half to even
 * (lrintf in the default rounding mode), 1024 at a time: first the whole numbers (a
 * loop the compiler turns into vector instructions), then their bytes, four samples
 * as three 32-bit words. */
void bs_pack24(const float *x, int64_t n, uint8_t *out) {
    int32_t q[1024];
    for (int64_t at = 0; at < n; at += 1024) {
        int64_t m = n - at < 1024 ? n - at : 1024;
        int64_t j = 0;
#if defined(__SSE2__)
        /* four at a time: clip, then round half to even (the rounding mode's default) */
        const __m128 scale = _mm_set1_ps(8388607.0f), low = _mm_set1_ps(-8388608.0f);
        for (; j + 4 <= m; j += 4) {
            __m128 v = _mm_mul_ps(_mm_loadu_ps(x + at + j), scale);
            v = _mm_min_ps(_mm_max_ps(v, low), scale);
            _mm_storeu_si128((__m128i *)(q + j), _mm_cvtps_epi32(v));
        }
#endif
        for (; j < m; j++) {
            float v = x[at + j] * 8388607.0f;
            v = v < -8388608.0f ? -8388608.0f : v;
            v = v > 8388607.0f ? 8388607.0f : v;
            q[j] = (int32_t)lrintf(v);
        }
        uint8_t *o = out + 3 * at;
        j = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* four samples in 12 bytes: 8 and then 4, built in registers (three 4-byte
         * words read back as 8 stalled store forwarding, 3x slower) */
        for (; j + 4 <= m; j += 4) {
            uint64_t a = (uint32_t)q[j] & 0xFFFFFFu, b = (uint32_t)q[j + 1] & 0xFFFFFFu;
            uint64_t c = (uint32_t)q[j + 2] & 0xFFFFFFu;
            uint32_t d = (uint32_t)q[j + 3] & 0xFFFFFFu;
            uint64_t low = a | b << 24 | c << 48;
            uint32_t high = (uint32_t)(c >> 16) | d << 8;
            memcpy(o + 3 * j, &low, 8);
            memcpy(o + 3 * j + 8, &high, 4);
        }
#endif
        for (; j < m; j++) {
            uint32_t u = (uint32_t)q[j];
            o[3 * j] = (uint8_t)u;
            o[3 * j + 1] = (uint8_t)(u >> 8);
            o[3 * j + 2] = (uint8_t)(u >> 16);
        }
    }
}

/* The reverb send: JUCE's Reverb (juce_Reverb.h, Freeverb), which pedalboard's Reverb
 * runs, with the same float operations in the same order, so the samples are
 * pedalboard's (tested bit for bit, retuned while running too). Per channel, 8
 * parallel combs, each with a damped feedback, then 4 all-passes in series; each
 * state is kept "undenormalised" as JUCE does it (x + 0.1 - 0.1).
 *
 * State, carried from call to call (`sends.ReverbBus` lays it out):
 * - lines: the 24 delay lines back to back: combs left 0-7, combs right 0-7,
 *   all-passes left 0-3, all-passes right 0-3;
 * - ints: the lines' sizes [24], their positions [24], and the countdowns [5] of the
 *   smoothed parameters;
 * - floats: the combs' damping states [16], then each smoothed parameter's current
 *   value, target and step [5][3]: damping, feedback, dry, wet 1, wet 2 (JUCE's
 *   SmoothedValue: a linear ramp towards a new target).
 *
 * Faster than JUCE's loop (about 17 ns a frame against 50) by working CHUNK frames at
 * a time, which no line is shorter than: each line's samples for the chunk are read
 * and written in place (copied out when they wrap), the combs' outputs are summed
 * and the all-passes run over the whole chunk, and only the combs' damping, which
 * needs the sample before, goes frame by frame, four combs to a vector. */
#define CHUNK 128

static inline float smoothed(float *value, int64_t *countdown) {
    if (*countdown <= 0) return value[1];
    --*countdown;
    if (*countdown > 0)
        value[0] += value[2];
    else
        value[0] = value[1];
    return value[0];
}

static void ring_copy(float *ring, int64_t size, int64_t at, float *chunk, int64_t n, int out) {
    int64_t first = size - at < n ? size - at : n;
    if (out) {
        memcpy(chunk, ring + at, (size_t)first * sizeof(float));
        memcpy(chunk + first, ring, (size_t)(n - first) * sizeof(float));
    } else {
        memcpy(ring + at, chunk, (size_t)first * sizeof(float));
        memcpy(ring, chunk + first, (size_t)(n - first) * sizeof(float));
    }
}

/* one comb's feedback for one frame: it read `read`; what it writes back */
static inline float comb_step(float read, float input, float damp, float feedback, float *last) {
    float s = (read * (1.0f - damp)) + (*last * damp);
    s += 0.1f;
    s -= 0.1f;
    *last = s;
    float t = input + (s * feedback);
    t += 0.1f;
    t -= 0.1f;
    return t;
}

/* the sum of 8 combs' reads, added in turn from 0 as JUCE's `outL += ...` */
static void sum8(float *restrict y, float *const *at, int64_t n) {
    const float *restrict a0 = at[0], *restrict a1 = at[1], *restrict a2 = at[2];
    const float *restrict a3 = at[3], *restrict a4 = at[4], *restrict a5 = at[5];
    const float *restrict a6 = at[6], *restrict a7 = at[7];
    for (int64_t i = 0; i < n; i++)
        y[i] = 0.0f + a0[i] + a1[i] + a2[i] + a3[i] + a4[i] + a5[i] + a6[i] + a7[i];
}

#if defined(__SSE2__)
/* four combs (lanes) over four frames: a[m] holds comb m's reads in, its writes out */
static inline __attribute__((always_inline)) void combs4(__m128 a[4], __m128 *last,
                                                         const float *input, __m128 keep,
                                                         __m128 damp, __m128 feedback) {
    const __m128 tenth = _mm_set1_ps(0.1f);
    _MM_TRANSPOSE4_PS(a[0], a[1], a[2], a[3]);
    for (int m = 0; m < 4; m++) {
        __m128 s = _mm_add_ps(_mm_mul_ps(a[m], keep), _mm_mul_ps(*last, damp));
        s = _mm_sub_ps(_mm_add_ps(s, tenth), tenth);
        *last = s;
        __m128 t = _mm_add_ps(_mm_set1_ps(input[m]), _mm_mul_ps(s, feedback));
        a[m] = _mm_sub_ps(_mm_add_ps(t, tenth), tenth);
    }
    _MM_TRANSPOSE4_PS(a[0], a[1], a[2], a[3]);
}
#endif

/* `frames` stereo frames of `in` (rows `in_stride` apart) through the reverb into
 * `out` (rows `out_stride` apart). */
void bs_reverb(const float *in, int64_t in_stride, int64_t frames, float *out,
               int64_t out_stride, float *lines, int64_t *ints, float *floats) {
    float *line[24];
    int64_t *size = ints, *pos = ints + 24, *countdown = ints + 48;
    float *last = floats, *smooth = floats + 16;
    int64_t chunk = CHUNK;
    float *p = lines;
    for (int j = 0; j < 24; j++) {
        line[j] = p;
        p += size[j];
        chunk = size[j] < chunk ? size[j] : chunk;
    }
    float copies[24][CHUNK], input[CHUNK], yl[CHUNK], yr[CHUNK];
    for (int64_t done = 0; done < frames;) {
        int64_t n = frames - done < chunk ? frames - done : chunk;
        const float *l = in + done, *r = in + in_stride + done;
        for (int64_t i = 0; i < n; i++) input[i] = (l[i] + r[i]) * 0.015f;
        float *at[24]; /* each line's n samples: in place, or a copy where they wrap */
        for (int j = 0; j < 24; j++) {
            if (pos[j] + n <= size[j]) {
                at[j] = line[j] + pos[j];
            } else {
                at[j] = copies[j];
                ring_copy(line[j], size[j], pos[j], copies[j], n, 1);
            }
        }
        sum8(yl, at, n);
        sum8(yr, at + 8, n);
        int64_t i = 0;
        if (countdown[0] <= 0 && countdown[1] <= 0) {
            const float damp = smooth[1], feedback = smooth[4];
#if defined(__SSE2__)
            const __m128 vdamp = _mm_set1_ps(damp), vkeep = _mm_set1_ps(1.0f - damp);
            const __m128 vfeedback = _mm_set1_ps(feedback);
            __m128 s[4];
            for (int q = 0; q < 4; q++) s[q] = _mm_loadu_ps(last + 4 * q);
            for (; i + 4 <= n; i += 4) {
                __m128 a[4][4];
                for (int q = 0; q < 4; q++)
                    for (int m = 0; m < 4; m++) a[q][m] = _mm_loadu_ps(at[4 * q + m] + i);
                for (int q = 0; q < 4; q++) combs4(a[q], &s[q], input + i, vkeep, vdamp, vfeedback);
                for (int q = 0; q < 4; q++)
                    for (int m = 0; m < 4; m++) _mm_storeu_ps(at[4 * q + m] + i, a[q][m]);
            }
            for (int q = 0; q < 4; q++) _mm_storeu_ps(last + 4 * q, s[q]);
#endif
            for (; i < n; i++)
                for (int j = 0; j < 16; j++)
                    at[j][i] = comb_step(at[j][i], input[i], damp, feedback, last + j);
        } else { /* a parameter still ramping: frame by frame */
            for (; i < n; i++) {
                const float damp = smoothed(smooth, countdown);
                const float feedback = smoothed(smooth + 3, countdown + 1);
                for (int j = 0; j < 16; j++)
                    at[j][i] = comb_step(at[j][i], input[i], damp, feedback, last + j);
            }
        }
        for (int k = 16; k < 24; k++) {
            float *restrict y = k < 20 ? yl : yr, *restrict b = at[k];
            for (int64_t i = 0; i < n; i++) {
                float buffered = b[i], t = y[i] + buffered * 0.5f;
                t += 0.1f;
                t -= 0.1f;
                b[i] = t;
                y[i] = buffered - y[i];
            }
        }
        for (int j = 0; j < 24; j++) {
            if (at[j] == copies[j]) ring_copy(line[j], size[j], pos[j], copies[j], n, 0);
            pos[j] += n;
            if (pos[j] >= size[j]) pos[j] -= size[j];
        }
        float *out_l = out + done, *out_r = out + out_stride + done;
        if (countdown[2] <= 0 && countdown[3] <= 0 && countdown[4] <= 0) {
            const float dry = smooth[7], wet1 = smooth[10], wet2 = smooth[13];
            for (int64_t i = 0; i < n; i++) {
                float a = l[i], c = r[i];
                out_l[i] = yl[i] * wet1 + yr[i] * wet2 + a * dry;
                out_r[i] = yr[i] * wet1 + yl[i] * wet2 + c * dry;
            }
        } else {
            for (int64_t i = 0; i < n; i++) {
                const float dry = smoothed(smooth + 6, countdown + 2);
                const float wet1 = smoothed(smooth + 9, countdown + 3);
                const float wet2 = smoothed(smooth + 12, countdown + 4);
                float a = l[i], c = r[i];
                out_l[i] = yl[i] * wet1 + yr[i] * wet2 + a * dry;
                out_r[i] = yr[i] * wet1 + yl[i] * wet2 + c * dry;
            }
        }
        done += n;
    }
}

/* The delay send's line: each sample read back one delay later goes through a
 * first-order low-pass, JUCE's IIR filter with makeFirstOrderLowPass coefficients as
 * pedalboard's LowpassFilter runs it (the same float operations; its state snapped
 * to zero under 1e-8 at the end of each call, which pedalboard gets at most PIECE
 * frames at a time), and is written back times the feedback plus the send.
 * `line` has two rows of `length`; position[0] is the next sample written (line
 * index position % length); state holds each channel's filter state. The frames
 * go in the pieces `sends.DelayLine` gave pedalboard: up to the line's end, then up
 * to PIECE frames. `out` gets the low-passed taps. */
#define PIECE 4096

void bs_delay(const float *send, int64_t send_stride, int64_t frames, float *out,
              int64_t out_stride, float *line, int64_t length, int64_t *position,
              float feedback, float cutoff, double rate, float *state) {
    const float pi = (float)3.141592653589793238L;
    const float n = tanf(pi * cutoff / (float)rate);
    const float inverse = 1.0f / (n + 1.0f);
    const float b0 = n * inverse, b1 = n * inverse, a1 = (n - 1.0f) * inverse;
    for (int64_t at = 0; at < frames;) {
        int64_t where = *position % length;
        int64_t segment = frames - at < length - where ? frames - at : length - where;
        for (int64_t piece = 0; piece < segment; piece += PIECE) {
            int64_t m = segment - piece < PIECE ? segment - piece : PIECE;
            /* both channels in one loop: each waits on its own state every frame */
            float *ring_l = line + where + piece, *ring_r = ring_l + length;
            const float *in_l = send + at + piece, *in_r = in_l + send_stride;
            float *o_l = out + at + piece, *o_r = o_l + out_stride;
            float lv_l = state[0], lv_r = state[1];
            for (int64_t i = 0; i < m; i++) {
                float input_l = ring_l[i], output_l = input_l * b0 + lv_l;
                float input_r = ring_r[i], output_r = input_r * b0 + lv_r;
                lv_l = (input_l * b1) - (output_l * a1);
                lv_r = (input_r * b1) - (output_r * a1);
                o_l[i] = output_l;
                o_r[i] = output_r;
                ring_l[i] = in_l[i] + feedback * output_l;
                ring_r[i] = in_r[i] + feedback * output_r;
            }
            if (!(lv_l < -1.0e-8f || lv_l > 1.0e-8f)) lv_l = 0.0f;
            if (!(lv_r < -1.0e-8f || lv_r > 1.0e-8f)) lv_r = 0.0f;
            state[0] = lv_l;
            state[1] = lv_r;
        }
        *position += segment;
        at += segment;
    }
}

/* The sub synth's filter (`subtractive.lowpass`): the TPT state-variable low-pass
 * (Zavalishin) run frame by frame in float64 from rest, its coefficients a1, a2, a3
 * (`coefs`, three per block) changing every `block` frames; `out` is the low-pass. */
void bs_svf(const double *x, int64_t frames, const double *coefs, int64_t block, double *out) {
    double ic1 = 0.0, ic2 = 0.0;
    for (int64_t start = 0; start < frames; start += block, coefs += 3) {
        const double a1 = coefs[0], a2 = coefs[1], a3 = coefs[2];
        int64_t end = start + block < frames ? start + block : frames;
        for (int64_t i = start; i < end; i++) {
            double v3 = x[i] - ic2;
            double v1 = a1 * ic1 + a2 * v3;
            double v2 = ic2 + a2 * ic1 + a3 * v3;
            ic1 = 2.0 * v1 - ic1;
            ic2 = 2.0 * v2 - ic2;
            out[i] = v2;
        }
    }
}

/* The compressors' detector input (`effects.power`): each frame's mean square over its
 * two channels in float64, (l * l + r * r) / 2, as numpy's square and mean give it. */
void bs_power(const float *x, int64_t stride, int64_t frames, double *out) {
    const float *left = x, *right = x + stride;
    for (int64_t i = 0; i < frames; i++) {
        double l = left[i], r = right[i];
        out[i] = (l * l + r * r) / 2.0;
    }
}

/* A channel strip's output (`strip.Strip.process`, after its inserts): the track's
 * `channels` rows of x (`x_stride` apart; one row feeds both sides) times each
 * side's gain, times the ducking gain (`duck`, or NULL), added to the stereo `mix`
 * and, times each send's level, to the `sends` (2 buses of 2 rows, `frames` apart;
 * NULL for none). A gain or level is a row of one per frame (its step 1) or a single
 * number (step 0). The float32 operations of the numpy version, in its order.
 * Returns the loudest sample the strip put out. */
float bs_strip(const float *x, int64_t x_stride, int64_t channels, int64_t frames,
               const float *gain_l, const float *gain_r, int64_t gain_step, const float *duck,
               float *mix, int64_t mix_stride, float *sends, const float *level_0,
               const float *level_1, int64_t level_step) {
    float top = 0.0f;
    for (int c = 0; c < 2; c++) {
        const float *in = x + (channels == 1 ? 0 : c) * x_stride;
        const float *gain = c ? gain_r : gain_l;
        float *to = mix + c * mix_stride;
        float *send_0 = sends ? sends + c * frames : NULL;
        float *send_1 = sends ? sends + (2 + c) * frames : NULL;
        for (int64_t i = 0; i < frames; i++) {
            float o = in[i] * gain[i * gain_step];
            if (duck) o = o * duck[i];
            float magnitude = fabsf(o);
            top = magnitude > top ? magnitude : top;
            to[i] += o;
            if (sends) {
                send_0[i] += o * level_0[i * level_step];
                send_1[i] += o * level_1[i * level_step];
            }
        }
    }
    return top;
}
