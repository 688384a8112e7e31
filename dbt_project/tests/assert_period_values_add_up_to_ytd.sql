-- Singular test: for cumulative flows with a complete YTD, the period values of a year add up to the YTD
-- (the 1-2月 period included once). Returns the rows where they do not.
with flows as (
    select
        zone_code,
        measure,
        year,
        month,
        ytd_value,
        sum(period_value) over (
            partition by zone_code, measure, year order by month
            rows between unbounded preceding and current row
        ) as periods_so_far,
        count(*) over (
            partition by zone_code, measure, year order by month
            rows between unbounded preceding and current row
        ) as reports_so_far,
        min(period_start_month) over (partition by zone_code, measure, year) as first_start_month
    from {{ ref('int_zone_indicators__periods') }}
    where kind = 'flow' and ytd_complete
)

select *
from flows
where first_start_month = 1
  and reports_so_far > 0
  and abs(ytd_value - periods_so_far) > 1e-6 * greatest(1, abs(ytd_value))
