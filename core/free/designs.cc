// register_builtin_designs(): the shipped designs (designs/*.cc), one registration each.
#include "core/free/registry.h"

namespace svafuzz::free {

void register_design_mainline();
void register_design_sync();
void register_design_seed_v3();
void register_design_percpu_llist();
void register_design_sync_invalidate();
void register_design_free_then_flush();
void register_design_unlocked_list_add();
void register_design_lost_wakeup();
void register_design_lost_wakeup_flag();
void register_design_double_enqueue();
void register_design_sleep_under_lock();

void register_builtin_designs() {
  register_design_mainline();
  register_design_sync();
  register_design_seed_v3();
  register_design_percpu_llist();
  register_design_sync_invalidate();
  register_design_free_then_flush();
  register_design_unlocked_list_add();
  register_design_lost_wakeup();
  register_design_lost_wakeup_flag();
  register_design_double_enqueue();
  register_design_sleep_under_lock();
}

}  // namespace svafuzz::free
