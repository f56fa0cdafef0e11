// list_head operations and the CONFIG_DEBUG_LIST checks.
#include <gtest/gtest.h>

#include "core/klib/list.h"

namespace svafuzz::klib {
namespace {

struct item {
  int v;
  list_head node;
};

class ListTest : public ::testing::Test {
 protected:
  void SetUp() override { findings().clear(); }
  void TearDown() override { findings().clear(); }
};

std::vector<int> values(list_head* head) {
  std::vector<int> out;
  item* pos;
  item* n;
  list_for_each_entry_safe(pos, n, head, node) out.push_back(pos->v);
  return out;
}

TEST_F(ListTest, AddIsLifoAddTailIsFifo) {
  LIST_HEAD(head);
  item a{1, {}}, b{2, {}}, c{3, {}};
  list_add(&a.node, &head);
  list_add(&b.node, &head);
  list_add_tail(&c.node, &head);
  EXPECT_EQ(values(&head), (std::vector<int>{2, 1, 3}));
}

TEST_F(ListTest, SpliceTailInitMovesEverythingAndEmptiesSource) {
  LIST_HEAD(src);
  LIST_HEAD(dst);
  item a{1, {}}, b{2, {}}, c{3, {}};
  list_add_tail(&a.node, &dst);
  list_add_tail(&b.node, &src);
  list_add_tail(&c.node, &src);
  list_splice_tail_init(&src, &dst);
  EXPECT_TRUE(list_empty(&src));
  EXPECT_EQ(values(&dst), (std::vector<int>{1, 2, 3}));
}

TEST_F(ListTest, SpliceInitPutsAtFront) {
  LIST_HEAD(src);
  LIST_HEAD(dst);
  item a{1, {}}, b{2, {}};
  list_add_tail(&a.node, &dst);
  list_add_tail(&b.node, &src);
  list_splice_init(&src, &dst);
  EXPECT_EQ(values(&dst), (std::vector<int>{2, 1}));
}

TEST_F(ListTest, DelInitLeavesEntryEmpty) {
  LIST_HEAD(head);
  item a{1, {}};
  list_add(&a.node, &head);
  list_del_init(&a.node);
  EXPECT_TRUE(list_empty(&head));
  EXPECT_TRUE(list_empty(&a.node));
  EXPECT_TRUE(findings().empty());
}

TEST_F(ListTest, DoubleAddIsReported) {
  LIST_HEAD(head);
  item a{1, {}};
  list_add(&a.node, &head);
  list_add(&a.node, &head);   // an error path enqueuing twice (BRIEF §7 shape 5)
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kListDebug);
}

TEST_F(ListTest, DelOfDeletedEntryIsReported) {
  LIST_HEAD(head);
  item a{1, {}};
  list_add(&a.node, &head);
  list_del(&a.node);
  list_del(&a.node);
  ASSERT_FALSE(findings().empty());
  EXPECT_EQ(findings().first().detector, Detector::kListDebug);
}

}  // namespace
}  // namespace svafuzz::klib
