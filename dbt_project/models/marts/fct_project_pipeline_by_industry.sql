-- Project pipeline (四新一盘活) per zone × month × industry division (行业大类, first two digits of the
-- GB/T 4754 code) × stage. See macro project_pipeline for the rules.
{{ project_pipeline('industry_division') }}
