-- Project pipeline (四新一盘活) per zone × month × stage: projects and total investment of the month and 1-N月
-- (YTD). See macro project_pipeline for the rules.
{{ project_pipeline() }}
