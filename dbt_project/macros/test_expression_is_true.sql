{#
  Generic test: every row satisfies a SQL expression (optionally only the rows matching `row_filter`).
  Usage (model level):
    data_tests:
      - expression_is_true:
          arguments:
            expression: "rank_share > 0 and rank_share <= 1"
            row_filter: "score is not null"
#}
{% test expression_is_true(model, expression, row_filter=none) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
    {%- if row_filter %}
      and ({{ row_filter }})
    {%- endif %}
{% endtest %}
