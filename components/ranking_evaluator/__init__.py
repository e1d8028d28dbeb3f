"""RankingEvaluator: hits@k, mean rank and MRR of a retrieval model on the eval split, and a blessing."""
