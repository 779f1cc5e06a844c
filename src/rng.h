// Copyright fleetsim authors.
//
// rng: a small, fast, seedable PRNG (xoshiro256** seeded through splitmix64) for jitter,
// random values and picks. One per worker; never shared between threads. Deterministic for
// a given seed, so a run can be reproduced with --set=seed=N.

#ifndef FLEETSIM_SRC_RNG_H_
#define FLEETSIM_SRC_RNG_H_

#include <cstdint>

namespace fleetsim {

class Rng {
 public:
  explicit Rng(uint64_t seed = 1) { Seed(seed); }
  // Independent streams from one seed (one per process or worker): same seed and stream,
  // same sequence.
  static Rng ForStream(uint64_t seed, uint64_t stream) {
    return Rng(seed ^ (0x9E3779B97F4A7C15ULL * (stream + 1)));
  }
  void Seed(uint64_t seed) {
    for (uint64_t& w : s_) w = SplitMix(&seed);
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n). n == 0 returns 0. (Lemire's multiply-shift; bias < 2^-64 * n.)
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Uniform integer in [lo, hi].
  int64_t Range(int64_t lo, int64_t hi) {
    uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
    if (span == 0) return static_cast<int64_t>(Next());  // the full 64-bit range
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + Below(span));
  }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // true with probability p.
  bool Chance(double p) { return Unit() < p; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix(uint64_t* x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
};

}  // namespace fleetsim

#endif  // FLEETSIM_SRC_RNG_H_
