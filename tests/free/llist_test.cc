// The llist facade: llist_add's "was empty" contract, llist_del_all, safe iteration.
#include <gtest/gtest.h>

#include "core/klib/llist.h"

namespace svafuzz::klib {
namespace {

struct item {
  int v;
  llist_node node;
};

TEST(Llist, AddReportsEmptyAndDelAllTakesEverythingNewestFirst) {
  LLIST_HEAD(head);
  item a{1, {}}, b{2, {}}, c{3, {}};
  EXPECT_TRUE(llist_empty(&head));
  EXPECT_TRUE(llist_add(&a.node, &head));
  EXPECT_FALSE(llist_add(&b.node, &head));
  EXPECT_FALSE(llist_add(&c.node, &head));
  llist_node* first = llist_del_all(&head);
  EXPECT_TRUE(llist_empty(&head));
  std::vector<int> seen;
  item *pos, *n;
  llist_for_each_entry_safe(pos, n, first, node) {
    seen.push_back(pos->v);
    pos->node.next = nullptr;   // safe: n was read before the body
  }
  EXPECT_EQ(seen, (std::vector<int>{3, 2, 1}));
  EXPECT_EQ(llist_del_all(&head), nullptr);
  EXPECT_TRUE(llist_add(&a.node, &head));
}

TEST(Llist, IteratingNothingRunsNoBody) {
  item *pos = nullptr, *n = nullptr;
  int count = 0;
  llist_for_each_entry_safe(pos, n, static_cast<llist_node*>(nullptr), node) ++count;
  EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace svafuzz::klib
