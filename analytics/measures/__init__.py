"""The rules of DESIGN.md section 3: scale scores (scoring), the groups they are computed for
(groups), small-group suppression (suppression), the evaluator's statistics (statistics),
milestones and outcome indicators."""
