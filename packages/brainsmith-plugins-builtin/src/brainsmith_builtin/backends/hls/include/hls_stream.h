// brainsmith's own stream shim for C simulation with g++: the subset of the `hls::stream`
// interface the generated kernels use, over a std::deque. Not Xilinx's header; Vitis HLS
// brings its own `hls_stream.h` when it synthesises the same kernel sources.
//
// Reading an empty stream is a simulation error (the hardware would stall forever): it prints
// the stream's name and aborts, so a kernel that reads more words than it was given fails loudly.
#ifndef BRAINSMITH_HLS_STREAM_H
#define BRAINSMITH_HLS_STREAM_H

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

namespace hls {

template <typename T>
class stream {
  public:
    stream() : name_("stream") {}
    explicit stream(const char *name) : name_(name) {}
    stream(const stream &) = delete;
    stream &operator=(const stream &) = delete;

    void write(const T &value) { words_.push_back(value); }
    void operator<<(const T &value) { write(value); }

    T read() {
        if (words_.empty()) {
            std::fprintf(stderr, "hls::stream '%s': read while empty\n", name_.c_str());
            std::abort();
        }
        T value = words_.front();
        words_.pop_front();
        return value;
    }
    void read(T &value) { value = read(); }
    void operator>>(T &value) { value = read(); }
    bool read_nb(T &value) {
        if (words_.empty()) return false;
        value = read();
        return true;
    }
    bool write_nb(const T &value) {
        write(value);
        return true;
    }

    bool empty() const { return words_.empty(); }
    bool full() const { return false; }
    std::size_t size() const { return words_.size(); }
    const std::string &name() const { return name_; }

  private:
    std::string name_;
    std::deque<T> words_;
};

}  // namespace hls

#endif  // BRAINSMITH_HLS_STREAM_H
