// Built-in litmus scenarios, each small enough to explore exhaustively and each stating its
// expected result (LKMM style): "Sometimes" = some schedule exposes the planted bug, "Never" =
// no schedule may report anything.
#include <string>

#include "core/sched/scenario.h"
#include "core/sync/sync.h"
#include "core/sync/workqueue.h"

namespace svafuzz::sched {
namespace {

using namespace svafuzz::sync;

// Sometimes: two agents increment a counter with READ_ONCE + WRITE_ONCE (not atomic); an
// interleaving of the two read-modify-writes loses an update.
class LostUpdate : public Scenario {
 public:
  void setup(Runtime* rt) override {
    for (const char* name : {"cpu0", "cpu1"}) {
      rt->spawn(name, [this] { WRITE_ONCE(counter_, READ_ONCE(counter_) + 1); }, false);
    }
  }
  void check() override {
    if (counter_ != 2) {
      report_finding(Detector::kOracle, "lost update: counter=" + std::to_string(counter_));
    }
  }
  std::string final_state() const override { return "counter=" + std::to_string(counter_); }

 private:
  long counter_ = 0;
};

// Never: the same with atomic_inc.
class AtomicUpdate : public Scenario {
 public:
  void setup(Runtime* rt) override {
    for (const char* name : {"cpu0", "cpu1"}) {
      rt->spawn(name, [this] { atomic_inc(&counter_); atomic_inc(&counter_); }, false);
    }
  }
  void check() override {
    if (counter_.counter.load() != 4) report_finding(Detector::kOracle, "atomic lost an update");
  }
  std::string final_state() const override {
    return "counter=" + std::to_string(counter_.counter.load());
  }

 private:
  atomic_t counter_;
};

// Sometimes: cpu0 takes a then b, cpu1 takes b then a (ABBA); a deadlock finding.
class AbbaDeadlock : public Scenario {
 public:
  void setup(Runtime* rt) override {
    rt->spawn("cpu0", [this] { take(&a_, &b_); }, false);
    rt->spawn("cpu1", [this] { take(&b_, &a_); }, false);
  }

 private:
  static void take(mutex* first, mutex* second) {
    mutex_lock(first);
    mutex_lock(second);
    mutex_unlock(second);
    mutex_unlock(first);
  }
  DEFINE_MUTEX(a_);
  DEFINE_MUTEX(b_);
};

// Always: mutex_lock under a spinlock (iommu_sva_lock under the list lock): might-sleep.
class MightSleep : public Scenario {
 public:
  void setup(Runtime* rt) override {
    rt->spawn("cpu0", [this] {
      spin_lock(&lock_);
      mutex_lock(&m_);
      mutex_unlock(&m_);
      spin_unlock(&lock_);
    }, false);
  }

 private:
  DEFINE_SPINLOCK(lock_);
  DEFINE_MUTEX(m_);
};

// Never: schedule_work semantics. cpu0 queues a work twice (the second call finds it pending
// unless the kworker already took it), the work function requeues itself once (PENDING is
// clear while it runs), and flush_work waits for it. The function must run exactly as often
// as schedule_work returned true.
class WorkRequeue : public Scenario {
 public:
  void setup(Runtime* rt) override {
    pool_ = std::make_unique<WorkerPool>(rt);
    INIT_WORK(&work_.work, &WorkRequeue::func);
    work_.self = this;
    rt->spawn("cpu0", [this] {
      if (schedule_work(&work_.work)) atomic_inc(&queued_);
      if (schedule_work(&work_.work)) atomic_inc(&queued_);
      while (flush_work(&work_.work)) {
      }
    }, false);
  }
  void check() override {
    if (ran_.counter.load() != queued_.counter.load()) {
      report_finding(Detector::kOracle, "work ran " + std::to_string(ran_.counter.load()) +
                                            " times, queued " + std::to_string(queued_.counter.load()));
    }
  }
  std::string final_state() const override {
    return "ran=" + std::to_string(ran_.counter.load()) +
           " queued=" + std::to_string(queued_.counter.load());
  }

 private:
  struct Item {
    work_struct work;
    WorkRequeue* self;
  };
  static void func(work_struct* w) {
    WorkRequeue* s = container_of(w, Item, work)->self;
    int n = atomic_inc_return(&s->ran_);
    if (n == 1 && schedule_work(w)) atomic_inc(&s->queued_);   // requeue from inside func
  }

  std::unique_ptr<WorkerPool> pool_;
  Item work_{};
  atomic_t ran_;
  atomic_t queued_;   // cpu0 and the kworker both count successful schedule_work calls
};

// Never: two CPUs each queue and flush their own work three times; flush_work guarantees each
// instance ran, so every schedule_work finds the work idle and the counts end at 3 and 3.
class WorkFlush : public Scenario {
 public:
  void setup(Runtime* rt) override {
    pool_ = std::make_unique<WorkerPool>(rt);
    for (int i = 0; i < 2; ++i) {
      INIT_WORK(&items_[i].work, &WorkFlush::func);
      rt->spawn("cpu" + std::to_string(i), [this, i] {
        for (int round = 0; round < 3; ++round) {
          if (!schedule_work(&items_[i].work)) report_finding(Detector::kOracle, "work still pending");
          flush_work(&items_[i].work);
        }
      }, false);
    }
  }
  void check() override {
    if (count(0) != 3 || count(1) != 3) report_finding(Detector::kOracle, "a flushed work did not run");
  }
  std::string final_state() const override {
    return "w0=" + std::to_string(count(0)) + " w1=" + std::to_string(count(1));
  }

 private:
  struct Item {
    work_struct work;
    atomic_t runs;
  };
  static void func(work_struct* w) { atomic_inc(&container_of(w, Item, work)->runs); }
  int count(int i) const { return items_[i].runs.counter.load(); }

  std::unique_ptr<WorkerPool> pool_;
  Item items_[2];
};

// Sometimes, depth 2: cpu1's read of x must fall between cpu0's two writes (x=1 ... x=0):
// two ordering constraints, the shape PCT with d=2 finds with probability >= 1/(n*k).
class PctDepth2 : public Scenario {
 public:
  void setup(Runtime* rt) override {
    rt->spawn("cpu0", [this] {
      for (int i = 0; i < 4; ++i) WRITE_ONCE(y_, i);
      WRITE_ONCE(x_, 1);
      for (int i = 0; i < 3; ++i) WRITE_ONCE(y_, i);
      WRITE_ONCE(x_, 0);
      for (int i = 0; i < 4; ++i) WRITE_ONCE(y_, i);
    }, false);
    rt->spawn("cpu1", [this] {
      (void)READ_ONCE(z_);
      if (READ_ONCE(x_) == 1) seen_ = true;
    }, false);
  }
  void check() override {
    if (seen_) report_finding(Detector::kOracle, "cpu1 saw the transient x=1");
  }
  std::string final_state() const override { return seen_ ? "seen" : "not-seen"; }

 private:
  int x_ = 0, y_ = 0, z_ = 0;
  bool seen_ = false;
};

template <class T>
ScenarioInfo info(const char* name, const char* summary, bool expect_finding) {
  return ScenarioInfo{name, summary, [] { return std::make_unique<T>(); }, expect_finding};
}

}  // namespace

void register_builtin_scenarios() {
  register_scenario(info<LostUpdate>("lost-update",
      "Sometimes: two READ_ONCE/WRITE_ONCE increments lose an update", true));
  register_scenario(info<AtomicUpdate>("atomic-update",
      "Never: two agents atomic_inc twice each; the counter ends at 4", false));
  register_scenario(info<AbbaDeadlock>("abba-deadlock",
      "Sometimes: two mutexes taken in opposite orders deadlock", true));
  register_scenario(info<MightSleep>("might-sleep",
      "Always: mutex_lock under a spinlock is a might-sleep finding", true));
  register_scenario(info<WorkRequeue>("work-requeue",
      "Never: schedule_work pending/requeue semantics with flush_work", false));
  register_scenario(info<WorkFlush>("work-flush",
      "Never: queue + flush_work three times on two CPUs; each work runs three times", false));
  register_scenario(info<PctDepth2>("pct-depth2",
      "Sometimes: a depth-2 ordering bug (read between two writes)", true));
}

}  // namespace svafuzz::sched
