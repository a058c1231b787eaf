DROP TABLE return_visits;
DROP TABLE followed_cases;
