DO UPDATE SET {{set}}
WHERE ({{t_cmp}}) IS DISTINCT FROM ({{x_cmp}}){{t_scope}}
