{#
  Stages of the project pipeline (招商引资项目阶段), defined once for the project models.

    stage         date column        new-in-period label   stage name
    negotiation   negotiation_date   新洽谈                洽谈
    signed        signed_date        新签约                签约
    started       started_date       新开工                开工
    completed     completed_date     新竣工                竣工
    production    production_date    新投产                投产
    revived       revived_date       盘活                  盘活

  in_four_new_one_revived: the stage counts in 四新一盘活 (新洽谈 + 新签约 + 新开工 + 新竣工 + 盘活); 投产 does not.
#}

{% macro project_stage_definitions() -%}
    {{ return([
        {'stage': 'negotiation', 'date_column': 'negotiation_date', 'label': '新洽谈', 'stage_name': '洽谈',
         'order': 1, 'in_four_new_one_revived': true},
        {'stage': 'signed', 'date_column': 'signed_date', 'label': '新签约', 'stage_name': '签约',
         'order': 2, 'in_four_new_one_revived': true},
        {'stage': 'started', 'date_column': 'started_date', 'label': '新开工', 'stage_name': '开工',
         'order': 3, 'in_four_new_one_revived': true},
        {'stage': 'completed', 'date_column': 'completed_date', 'label': '新竣工', 'stage_name': '竣工',
         'order': 4, 'in_four_new_one_revived': true},
        {'stage': 'production', 'date_column': 'production_date', 'label': '新投产', 'stage_name': '投产',
         'order': 5, 'in_four_new_one_revived': false},
        {'stage': 'revived', 'date_column': 'revived_date', 'label': '盘活', 'stage_name': '盘活',
         'order': 6, 'in_four_new_one_revived': true},
    ]) }}
{%- endmacro %}

{# The catalogue of pipeline stages as a SQL relation (values list), with the 四新一盘活 total as order 7. #}
{% macro project_stage_catalogue() -%}
    (
        select * from (
            values
            {%- for s in project_stage_definitions() %}
                ('{{ s.stage }}', '{{ s.label }}', '{{ s.stage_name }}', {{ s.order }}, {{ s.in_four_new_one_revived }}),
            {%- endfor %}
                ('four_new_one_revived', '四新一盘活合计', '四新一盘活', 7, false)
        ) as catalogue (stage, stage_label, stage_name, stage_order, in_four_new_one_revived)
    )
{%- endmacro %}
