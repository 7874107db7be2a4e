-- The README's example audience, hand-written: consenting users with at least 4 sales in Sports
-- (subcategories included, three levels) from 2017-01-01 to 2017-01-20, living within 10 km of 87-100.
-- The same text runs on Spark SQL (Hive tables) and on DuckDB (views over the Parquet export).
WITH sports AS (
  SELECT c.category_id
  FROM marketplace.categories c
  LEFT JOIN marketplace.categories p ON c.parent_id = p.category_id
  LEFT JOIN marketplace.categories g ON p.parent_id = g.category_id
  WHERE c.name = 'Sports' OR p.name = 'Sports' OR g.name = 'Sports'
), sellers AS (
  SELECT seller_id AS user_id
  FROM marketplace.transactions
  WHERE transaction_date BETWEEN DATE '2017-01-01' AND DATE '2017-01-20'
    AND category_id IN (SELECT category_id FROM sports)
  GROUP BY seller_id
  HAVING count(*) >= 4
), centre AS (
  SELECT latitude, longitude FROM marketplace.postal_codes WHERE postal_code = '87-100'
)
SELECT u.user_id
FROM marketplace.users u
JOIN sellers s ON s.user_id = u.user_id
JOIN marketplace.postal_codes home ON home.postal_code = u.postal_code
CROSS JOIN centre
WHERE u.mailing_consent
  AND 2 * 6371.0088 * asin(sqrt(
        pow(sin(radians(centre.latitude - home.latitude) / 2), 2)
        + cos(radians(home.latitude)) * cos(radians(centre.latitude))
          * pow(sin(radians(centre.longitude - home.longitude) / 2), 2))) <= 10
