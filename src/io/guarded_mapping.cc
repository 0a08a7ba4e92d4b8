#include "io/guarded_mapping.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <mutex>

namespace fanout::io {

namespace {

// Mappings alive at once: one per scanning thread, plus a few short-lived ones.
// When all are taken, callers read without mapping.
constexpr int kSlots = 4096;

// One registered mapping. Written only by the thread that claimed the slot, read
// by the signal handler on any thread: `seq` is odd while [begin, begin + len)
// is being changed (a sequence lock), so the handler never acts on a torn pair.
struct Slot {
  std::atomic<bool> taken{false};
  std::atomic<uint32_t> seq{0};
  std::atomic<uintptr_t> begin{0};
  std::atomic<size_t> len{0};
  std::atomic<bool> faulted{false};
};

Slot g_slots[kSlots];
std::atomic<int> g_next_slot{0};  // where the search for a free slot starts
struct sigaction g_previous;       // the SIGBUS handler before ours
uintptr_t g_page = 4096;

void Publish(Slot* s, uintptr_t begin, size_t len) {
  uint32_t seq = s->seq.load(std::memory_order_relaxed);
  s->seq.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  s->begin.store(begin, std::memory_order_relaxed);
  s->len.store(len, std::memory_order_relaxed);
  s->seq.store(seq + 2, std::memory_order_release);
}

// The slot whose mapping holds `addr`, or nullptr; stores the mapping's end in
// *end. Async-signal-safe.
Slot* FindSlot(uintptr_t addr, uintptr_t* end) {
  for (Slot& s : g_slots) {
    uint32_t before = s.seq.load(std::memory_order_acquire);
    if (before % 2 != 0) continue;  // being changed: not a mapping that can be touched now
    uintptr_t begin = s.begin.load(std::memory_order_relaxed);
    size_t len = s.len.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (s.seq.load(std::memory_order_relaxed) != before) continue;
    if (begin != 0 && addr >= begin && addr - begin < len) {
      *end = begin + len;
      return &s;
    }
  }
  return nullptr;
}

// Hands a SIGBUS that is not ours to whoever handled it before.
void Chain(int sig, siginfo_t* info, void* context) {
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(sig, info, context);
    return;
  }
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN && g_previous.sa_handler != nullptr) {
    g_previous.sa_handler(sig);
    return;
  }
  // The default action: a fault happens again when the access is retried and ends
  // the process; a signal that someone sent is raised again.
  ::signal(SIGBUS, SIG_DFL);
  if (info == nullptr || info->si_code <= 0) ::raise(SIGBUS);
}

void OnSigbus(int sig, siginfo_t* info, void* context) {
  int saved_errno = errno;
  uintptr_t addr = info != nullptr ? reinterpret_cast<uintptr_t>(info->si_addr) : 0;
  uintptr_t end = 0;
  Slot* s = info != nullptr && info->si_code > 0 ? FindSlot(addr, &end) : nullptr;
  if (s != nullptr) {
    // Zero pages from the faulting page to the mapping's end, in one call: the
    // access is retried on return and reads zeros, and so does every later one.
    uintptr_t page = addr & ~(g_page - 1);
    end = (end + g_page - 1) & ~(g_page - 1);
    // The raw system call: no interposed mmap (a sanitizer's) runs in a signal handler.
    long r = ::syscall(SYS_mmap, page, end - page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (r != -1) {
      s->faulted.store(true, std::memory_order_relaxed);
      errno = saved_errno;
      return;
    }
  }
  errno = saved_errno;
  Chain(sig, info, context);
}

void InstallHandlerOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    struct sigaction sa {};
    sa.sa_sigaction = &OnSigbus;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, &g_previous);
  });
}

int ClaimSlot() {
  int start = g_next_slot.load(std::memory_order_relaxed);
  for (int i = 0; i < kSlots; ++i) {
    int k = (start + i) % kSlots;
    bool expected = false;
    if (g_slots[k].taken.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
      g_next_slot.store((k + 1) % kSlots, std::memory_order_relaxed);
      g_slots[k].faulted.store(false, std::memory_order_relaxed);
      return k;
    }
  }
  return -1;
}

void ReleaseSlot(int k) {
  Publish(&g_slots[k], 0, 0);
  g_slots[k].taken.store(false, std::memory_order_release);
}

}  // namespace

std::unique_ptr<GuardedMapping> GuardedMapping::Map(int fd, uint64_t offset, size_t length) {
  InstallHandlerOnce();
  int slot = ClaimSlot();
  if (slot < 0) {
    errno = EMFILE;
    return nullptr;
  }
  void* p = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, static_cast<off_t>(offset));
  if (p == MAP_FAILED) {
    int err = errno;
    ReleaseSlot(slot);
    errno = err;
    return nullptr;
  }
  Publish(&g_slots[slot], reinterpret_cast<uintptr_t>(p), length);
  return std::unique_ptr<GuardedMapping>(new GuardedMapping(static_cast<char*>(p), length, slot));
}

GuardedMapping::~GuardedMapping() {
  ReleaseSlot(slot_);
  ::munmap(data_, size_);
}

bool GuardedMapping::faulted() const { return g_slots[slot_].faulted.load(std::memory_order_relaxed); }

}  // namespace fanout::io
