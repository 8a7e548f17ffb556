-- The demo shop: loaded by `supabase db reset`, and by the app on its first start
-- in development against an empty database (the app then issues and logs an API key).
INSERT INTO organizations (id, name, timezone, business_hours, authorized_owner_numbers, settings)
VALUES (
  '00000000-0000-4000-8000-00000000d3e0',
  'Pet Shop Demo Oxy',
  'America/Sao_Paulo',
  '{
    "1": {"open": "08:00", "close": "18:00", "breaks": [{"start": "12:00", "end": "13:00"}]},
    "2": {"open": "08:00", "close": "18:00", "breaks": [{"start": "12:00", "end": "13:00"}]},
    "3": {"open": "08:00", "close": "18:00", "breaks": [{"start": "12:00", "end": "13:00"}]},
    "4": {"open": "08:00", "close": "18:00", "breaks": [{"start": "12:00", "end": "13:00"}]},
    "5": {"open": "08:00", "close": "18:00", "breaks": [{"start": "12:00", "end": "13:00"}]},
    "6": {"open": "08:00", "close": "13:00"}
  }'::jsonb,
  ARRAY['+5511999990000'],
  '{"demo": true}'::jsonb
)
ON CONFLICT (id) DO NOTHING;
