// Copyright fleetsim authors.
//
// rng: a small, fast, portable PRNG (xoshiro256**, seeded through splitmix64) so that fault
// decisions replay identically for a given --seed and process index on any libstdc++.
// (std::uniform_*_distribution output is implementation-defined; this is not.)
// Thread-compatible: one per process.

#ifndef FLEETSIM_TOOLS_TARGET_RNG_H_
#define FLEETSIM_TOOLS_TARGET_RNG_H_

#include <cstdint>

namespace fleetsim::target {

class Rng {
 public:
  // Streams with different `stream` values are independent for the same seed.
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ (0x9E3779B97F4A7C15ULL * (stream + 1));
    for (uint64_t& s : s_) s = SplitMix64(&x);
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

  // Uniform in [0, 1), 53 bits.
  double Uniform01() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Uniform in [lo, hi]. REQUIRES: lo <= hi. (Modulo bias is < 2^-40 for our ranges.)
  int64_t UniformInt(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(span == 0 ? Next() : Next() % span);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix64(uint64_t* x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
};

}  // namespace fleetsim::target

#endif  // FLEETSIM_TOOLS_TARGET_RNG_H_
