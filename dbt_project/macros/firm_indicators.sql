{#
  Enterprise 亩均效益 indicators (per firm), defined once for the firm marts and the evaluation.

  Every indicator is numerator / denominator, null when the denominator is null or <= 0:
    tax_per_mu               亩均税收            tax / land_mu                          万元/亩
    revenue_per_mu           亩均营收(销售收入)   revenue / land_mu                      万元/亩
    value_added_per_mu       亩均增加值          value_added / land_mu                  万元/亩
    value_added_per_energy   单位能耗增加值      value_added / energy_tce               万元/吨标准煤
    tax_per_energy           单位能耗税收        tax / energy_tce                       万元/吨标准煤
    tax_per_electricity      单位电耗税收        tax / (electricity_kwh / 10000)        万元/万千瓦时
    labour_productivity      全员劳动生产率      value_added / employees                万元/人
    value_added_per_emission 单位排放增加值      value_added / emissions_t              万元/吨
    rd_intensity             R&D经费占营收比重   rd_spend × 100 / revenue               %
  The aggregate benchmark of a group of firms is Σ numerator / Σ denominator with the same terms
  (e.g. Σ tax / Σ land_mu; rd_intensity = Σ rd_spend / Σ revenue × 100).
#}

{% macro firm_indicator_definitions() -%}
    {{ return([
        {'indicator': 'tax_per_mu', 'label': '亩均税收', 'unit': '万元/亩',
         'numerator': 'tax', 'denominator': 'land_mu'},
        {'indicator': 'revenue_per_mu', 'label': '亩均营收', 'unit': '万元/亩',
         'numerator': 'revenue', 'denominator': 'land_mu'},
        {'indicator': 'value_added_per_mu', 'label': '亩均增加值', 'unit': '万元/亩',
         'numerator': 'value_added', 'denominator': 'land_mu'},
        {'indicator': 'value_added_per_energy', 'label': '单位能耗增加值', 'unit': '万元/吨标准煤',
         'numerator': 'value_added', 'denominator': 'energy_tce'},
        {'indicator': 'tax_per_energy', 'label': '单位能耗税收', 'unit': '万元/吨标准煤',
         'numerator': 'tax', 'denominator': 'energy_tce'},
        {'indicator': 'tax_per_electricity', 'label': '单位电耗税收', 'unit': '万元/万千瓦时',
         'numerator': 'tax', 'denominator': 'electricity_kwh / 10000.0'},
        {'indicator': 'labour_productivity', 'label': '全员劳动生产率', 'unit': '万元/人',
         'numerator': 'value_added', 'denominator': 'employees'},
        {'indicator': 'value_added_per_emission', 'label': '单位排放增加值', 'unit': '万元/吨',
         'numerator': 'value_added', 'denominator': 'emissions_t'},
        {'indicator': 'rd_intensity', 'label': 'R&D经费占营业收入比重', 'unit': '%',
         'numerator': 'rd_spend * 100.0', 'denominator': 'revenue'},
    ]) }}
{%- endmacro %}

{# The names of the indicators, e.g. for accepted_values. #}
{% macro firm_indicator_names() -%}
    {{ return(firm_indicator_definitions() | map(attribute='indicator') | list) }}
{%- endmacro %}

{# numerator / denominator, null unless the denominator is > 0. #}
{% macro safe_ratio(numerator, denominator) -%}
    case when ({{ denominator }}) > 0 then ({{ numerator }}) / ({{ denominator }}) end
{%- endmacro %}

{# The indicator columns, computed from the columns of the relation in scope (tax, land_mu, ...). #}
{% macro firm_indicator_columns() -%}
    {%- for d in firm_indicator_definitions() %}
        {{ safe_ratio(d.numerator, d.denominator) }} as {{ d.indicator }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#
  Long form: one select per indicator with its numerator, denominator and value, unioned.
  key_columns: the columns to carry; relation: a CTE or relation with the raw columns.
#}
{% macro firm_indicators_long(relation, key_columns) -%}
    {%- for d in firm_indicator_definitions() %}
    select
        {% for c in key_columns %}{{ c }}, {% endfor %}
        '{{ d.indicator }}' as indicator,
        cast({{ d.numerator }} as double) as numerator,
        cast({{ d.denominator }} as double) as denominator,
        cast({{ safe_ratio(d.numerator, d.denominator) }} as double) as value
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{%- endmacro %}
